/**
 * What the scanner learns about where values go: the facts that the command analysis
 * (commands.ts) and the value check (placeholders.ts) work from.
 *
 * bash evaluates the text of a value as an arithmetic expression in some places, and an
 * arithmetic expression may index an array, whose subscript bash expands: a value such
 * as `a[$(touch /tmp/x)]` there runs `touch`, however well it is quoted. It does the same
 * where a value is taken as a variable name (`printf -v`, `read`, `${!x}`, `declare -n`).
 * Those places accept only an integer, or only a name.
 */

/** A placeholder in the rendered command: MARK, the value's index, NUL. */
export const MARK = "\u0000MC";
/** Every placeholder in a text; the index is group 1. */
export const MARKS = new RegExp(`${MARK}(\\d+)\u0000`, "g");

/** `text` without its placeholders (each becomes a blank). */
export function withoutMarks(text: string): string {
  return text.replace(MARKS, " ");
}

/**
 * What a value in a place accepts. `descriptor`: the word after `>&` or `<&`, which
 * bash expands a second time, as a file name, when it is not a number (`>&WORD` means
 * `&>WORD`): a value `a[$(touch /tmp/x)]` there runs `touch`.
 */
export type Need = "integer" | "name" | "descriptor";

/**
 * One place that evaluates what is put there: the placeholders written directly in it
 * (`marks`, by index) and the shell variables it reads (`names`), whose own values are
 * checked through the assignments that made them.
 */
export interface Use {
  readonly need: Need;
  readonly marks: readonly number[];
  readonly names: readonly string[];
  /** The construct, as the error message names it: `$((...))`, `let`, `printf -v`. */
  readonly where: string;
}

/** `NAME=...` (or `for NAME in`, `read NAME <<<`): the placeholders and variables NAME's value comes from. */
export interface Assignment {
  readonly name: string;
  readonly marks: readonly number[];
  readonly names: readonly string[];
}

/** A binding the command may not hold at all (`eval ${...}` runs its value as code). */
export interface Refusal {
  readonly mark: number;
  readonly reason: string;
}

/** Everything the scanner records, besides the rewritten text. */
export interface Facts {
  readonly uses: Use[];
  readonly assignments: Assignment[];
  readonly refusals: Refusal[];
  /** Names declared with `declare -A` (their subscripts are keys, not arithmetic). */
  readonly assoc: Set<string>;
  /** Names declared with `declare -i` (an assignment to one is arithmetic). */
  readonly integer: Set<string>;
  /** Functions the command defines (their calls set $1, $2, ...). */
  readonly functions: Set<string>;
}

export function emptyFacts(): Facts {
  return {
    uses: [],
    assignments: [],
    refusals: [],
    assoc: new Set(),
    integer: new Set(),
    functions: new Set(),
  };
}

const NAME_IN_TEXT = /\$\{?([A-Za-z_][A-Za-z0-9_]*|[0-9@*])|(?<![A-Za-z0-9_$#{])([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * The shell variables a piece of code reads: `$x`, `${x...}`, and with `bare` (arithmetic
 * reads bare names too) every identifier (`x + 1`). More names than read is harmless:
 * a name no assignment fed from a value constrains nothing.
 */
export function namesIn(text: string, bare = true): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(NAME_IN_TEXT)) {
    if (m[1] !== undefined) names.add(m[1]);
    else if (bare) names.add(m[2]);
  }
  return [...names];
}
