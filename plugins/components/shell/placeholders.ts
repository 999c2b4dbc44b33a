/**
 * Safe substitution into a shell command string. Each `${...}` value becomes an
 * environment variable of the child process, and the command text refers to it in a
 * form that fits the quoting context where the binding was written:
 *   unquoted (also inside `$(...)` and backticks):  "${MC_ARG_0}"
 *   in "...":                                       ${MC_ARG_0}
 *   in '...':                                       '"${MC_ARG_0}"'
 *   in an unquoted here-document body:              ${MC_ARG_0}
 *   in `$((...))`, `((...))`, `$[...]`:             ${MC_ARG_0}   (only an integer gets there)
 * The shell therefore only ever expands a variable, in a quoted position: a value such
 * as `"; rm -rf ~"`, `$(id)` or `a * b` stays data and can never change the command's
 * structure or its arguments.
 *
 * Quoting is not enough where bash evaluates a value's text: as arithmetic (`$((...))`,
 * `((...))`, `let`, `declare -i`, array subscripts, `[[ x -eq y ]]`), where `a[$(id)]`
 * runs `id`, and as a variable name (`printf -v`, `read`, `${!x}`, `declare -n`, `test -v`),
 * where the same subscript runs. There a value must be an integer, or a plain name, and
 * anything else is an error naming the binding, before the command starts. This holds
 * for a binding written in such a place and for a shell variable assigned from one
 * (`i=${input.i}; echo "${a[$i]}"`), and for `env:` variables read there.
 * `eval ${...}` and `trap ${...}` are refused: they run their argument as code.
 */
import { type Describe, MARK, Scanner } from "./scanner.ts";
import { emptyFacts, type Facts, type Need, type Use } from "./uses.ts";

/** One substituted value and the binding it came from. */
export interface Substitution {
  readonly value: string;
  /** The binding as written, e.g. `${input.n}`. */
  readonly binding: string;
}

/**
 * The text a value is passed as: null is empty, lists and maps are JSON.
 * @throws Error naming the binding when the text holds a NUL byte, which no process can receive.
 */
export function valueText(value: unknown, expression: string | undefined): string {
  const text =
    value === null || value === undefined
      ? ""
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  if (text.includes("\u0000")) {
    const what = expression === undefined ? "an argument of the command" : `the value of \${${expression}}`;
    throw new Error(`${what} contains a NUL byte, which no command can receive`);
  }
  return text;
}

/** Quote function for renderDeferred: records the value, returns a placeholder. */
export function placeholderQuoter(values: Substitution[]): (value: unknown, expression: string) => string {
  return (value, expression) => {
    values.push({ value: valueText(value, expression), binding: `\${${expression}}` });
    return `${MARK}${values.length - 1}\u0000`;
  };
}

/** A command ready to run, and what its values must be. */
export interface BoundCommand {
  /** The command text, each placeholder replaced by a variable reference. */
  readonly script: string;
  readonly facts: Facts;
}

/** Replaces placeholders by variable references that fit their quoting context. */
export function bindPlaceholders(command: string, values: readonly Substitution[] = []): BoundCommand {
  const facts = emptyFacts();
  const describe: Describe = (index) => values[index]?.binding ?? "a binding";
  const script = new Scanner(command, facts, describe).run();
  const refusal = facts.refusals[0];
  if (refusal) throw new Error(`${describe(refusal.mark)} cannot be used here: ${refusal.reason}`);
  return { script, facts };
}

/** Decimal without leading zeros (the shell would read 010 as octal 8), or hexadecimal. */
const INTEGER = /^\s*[-+]?(0|[1-9][0-9]*|0[xX][0-9A-Fa-f]+)\s*$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What `>&` and `<&` take: a file descriptor number, or `-` (close). */
const DESCRIPTOR = /^([0-9]+|-)$/;
const SHOWN = 60;

/**
 * Checks every value that reaches a place which evaluates it (directly or through the
 * variables assigned from it, and the `env:` variables the command reads there).
 * @throws Error naming the binding (or env variable), the place and the value.
 */
export function checkValues(
  bound: BoundCommand,
  values: readonly Substitution[],
  env: Readonly<Record<string, string>> = {},
): void {
  const { uses, assignments } = bound.facts;
  for (const use of uses) {
    const seen = new Set<string>();
    const marks = new Set(use.marks);
    const envNames = new Set<string>();
    // The variables it reads, and the ones those were assigned from, to a fixed point.
    const queue = [...use.names];
    while (queue.length > 0) {
      const name = queue.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      if (Object.hasOwn(env, name)) envNames.add(name);
      for (const a of assignments) {
        if (a.name !== name) continue;
        for (const m of a.marks) marks.add(m);
        queue.push(...a.names);
      }
    }
    for (const m of marks) {
      const s = values[m];
      if (s) check(use, s.value, s.binding, m, use.marks);
    }
    for (const name of envNames) check(use, env[name], `env ${name}`, -1, []);
  }
}

function check(use: Use, value: string, what: string, mark: number, direct: readonly number[]): void {
  if (accepts(use.need, value)) return;
  const via = direct.includes(mark) || mark < 0 ? "" : " (through a shell variable assigned from it)";
  if (use.need === "descriptor") {
    throw new Error(
      `${what} is used in ${use.where}${via}, where bash expands a word that is not a file descriptor number a second time, as a file name (running any $(...) in it): it must be a file descriptor number (digits) or -, found ${show(value)}; to write to a file named by a value, use > FILE 2>&1`,
    );
  }
  const [as, expected] =
    use.need === "integer"
      ? ["arithmetic", "an integer (decimal without leading zeros, or 0x hex)"]
      : ["a variable name", "a name (letters, digits, _)"];
  throw new Error(
    `${what} is used in ${use.where}${via}, where the shell reads it as ${as} (and bash runs commands written in an array subscript there): it must be ${expected}, found ${show(value)}`,
  );
}

function accepts(need: Need, value: string): boolean {
  if (need === "descriptor") return DESCRIPTOR.test(value);
  return need === "integer" ? INTEGER.test(value) : NAME.test(value);
}

function show(value: string): string {
  const text = JSON.stringify(value.length > SHOWN ? `${value.slice(0, SHOWN)}…` : value);
  return value.length > SHOWN ? `${text} (${value.length} characters)` : text;
}
