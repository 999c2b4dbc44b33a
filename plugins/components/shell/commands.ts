/**
 * What one simple command does with the words it is given, for the builtins that take
 * an argument as arithmetic or as a variable name (`let`, `declare -i`, `printf -v`,
 * `read`, `test -v`, `[[ ... -eq ... ]]`), run it as code (`eval`, `trap`), or assign
 * a variable whose value came from a binding (`x=...`, `for x in`, `read x <<<`,
 * `set --`). The scanner (scanner.ts) hands over each command's words when it ends.
 */
import { type Assignment, type Facts, MARKS, namesIn, type Use, withoutMarks } from "./uses.ts";

/** One shell word as written, with the placeholders written directly in it. */
export interface Word {
  /** The source text of the word (placeholders as marks). */
  readonly raw: string;
  /** Placeholders of this word itself, not of a `$(...)` inside it. */
  readonly marks: ReadonlySet<number>;
  /** Set on the word after a redirection operator: `<<<` gives a here-string, `>&` and `<&` a descriptor. */
  readonly redirect?: "herestring" | "descriptor" | "other";
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?\+?=/;
const DECLARED = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(.*)\])?$/s;
const OPTION = /^[-+][A-Za-z]+$/;
/** `[[`'s operators whose operands are arithmetic expressions. */
const ARITHMETIC_TESTS = new Set(["-eq", "-ne", "-lt", "-le", "-gt", "-ge"]);
/** Commands that run the command after them (their own options and arguments skipped). */
const WRAPPERS: Record<string, { flags?: RegExp; takesValue?: string[]; assignments?: boolean }> = {
  builtin: {},
  command: { flags: /^-[pvV]+$/ },
  exec: { flags: /^-[cl]+$/, takesValue: ["-a"] },
  env: { flags: /^-[i0]+$|^--ignore-environment$/, takesValue: ["-u", "-C", "-S"], assignments: true },
  nohup: {},
  sudo: { flags: /^-[EHPSbiknsl]+$/, takesValue: ["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"] },
  setsid: { flags: /^-[cfw]+$/ },
  nice: { takesValue: ["-n"] },
  stdbuf: { flags: /^-[ioe].+$/ },
  timeout: { flags: /^-[fpv]+$/, takesValue: ["-s", "-k"] },
  xargs: { flags: /^-[0prtx]+$/, takesValue: ["-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a"] },
};
/** Shells, whose `-c` argument is code. */
const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"]);

/** `read` options that take an argument. */
const READ_ARGUMENTS = "adinNptu";

/** The placeholders of `word` that occur in `part` (a slice of its text). */
function marksIn(word: Word, part: string): number[] {
  const out: number[] = [];
  for (const m of part.matchAll(MARKS)) {
    const index = Number(m[1]);
    if (word.marks.has(index)) out.push(index);
  }
  return out;
}

const plain = withoutMarks;

class CommandFacts {
  constructor(private readonly facts: Facts) {}

  use(need: Use["need"], word: Word, part: string, where: string): void {
    const names = namesIn(plain(part), need === "integer");
    this.facts.uses.push({ need, marks: marksIn(word, part), names, where });
  }

  /**
   * A word taken as a variable name: its placeholders must be names, except in a
   * subscript (`a[${...}]`), which is arithmetic.
   */
  nameUse(word: Word, part: string, where: string): void {
    const open = part.indexOf("[");
    if (open < 0) {
      this.use("name", word, part, where);
      return;
    }
    this.use("name", word, part.slice(0, open), where);
    this.use("integer", word, part.slice(open + 1), `the subscript in ${where}`);
  }

  assign(name: string, marks: number[], names: string[]): void {
    const a: Assignment = { name, marks, names };
    this.facts.assignments.push(a);
  }

  /** `NAME=VALUE`, `NAME[SUB]=VALUE`, `NAME+=VALUE`. */
  assignment(word: Word): void {
    const m = ASSIGNMENT.exec(word.raw);
    if (!m) return;
    const [whole, name, subscript] = m;
    const value = word.raw.slice(whole.length);
    if (subscript !== undefined && !this.facts.assoc.has(name)) {
      this.use("integer", word, subscript, `the array subscript ${name}[...]`);
    }
    this.valueOf(name, word, value);
  }

  /** The value given to NAME: recorded, and arithmetic if NAME is declared -i. */
  valueOf(name: string, word: Word, value: string): void {
    this.assign(name, marksIn(word, value), namesIn(plain(value)));
    if (this.facts.integer.has(name)) {
      this.use("integer", word, value, `an assignment to ${name}, declared -i`);
    }
  }

  declare(command: string, args: readonly Word[]): void {
    const flags = new Set<string>();
    for (const word of args) {
      if (word.raw === "--") continue;
      if (OPTION.test(word.raw)) {
        if (word.raw.startsWith("-")) for (const f of word.raw.slice(1)) flags.add(f);
        continue;
      }
      const eq = word.raw.indexOf("=");
      const namePart = eq < 0 ? word.raw : word.raw.slice(0, eq);
      const m = DECLARED.exec(namePart.replace(/["']/g, ""));
      if (flags.has("A") && m) this.facts.assoc.add(m[1]);
      if (flags.has("i") && m) this.facts.integer.add(m[1]);
      const bracket = namePart.indexOf("[");
      // An associative array's key is data; the name before it is still a name.
      if (m && bracket >= 0 && this.facts.assoc.has(m[1]))
        this.use("name", word, namePart.slice(0, bracket), command);
      else this.nameUse(word, namePart, command);
      if (!m) continue;
      const name = m[1];
      if (eq < 0) continue;
      const value = word.raw.slice(eq + 1);
      if (flags.has("n")) this.nameUse(word, value, `${command} -n`);
      this.valueOf(name, word, value);
    }
  }

  read(args: readonly Word[], herestrings: readonly Word[]): void {
    const names: Word[] = [];
    for (let i = 0; i < args.length; i++) {
      const word = args[i];
      if (word.raw === "--") {
        names.push(...args.slice(i + 1));
        break;
      }
      if (!word.raw.startsWith("-") || word.raw.length < 2) {
        names.push(word);
        continue;
      }
      for (let j = 1; j < word.raw.length; j++) {
        const option = word.raw[j];
        if (!READ_ARGUMENTS.includes(option)) continue;
        const inline = word.raw.slice(j + 1);
        const arg = inline ? undefined : args[++i];
        if (option === "a") {
          if (arg) names.push(arg);
          else this.nameUse(word, inline, "read -a");
        }
        break;
      }
    }
    const fromMarks = herestrings.flatMap((w) => [...w.marks]);
    const fromNames = herestrings.flatMap((w) => namesIn(plain(w.raw)));
    for (const word of names) {
      this.nameUse(word, word.raw, "read");
      this.assign(plain(word.raw).replace(/["']/g, ""), fromMarks, fromNames);
    }
  }

  /** `[[ ... ]]`: operands of -eq and the like are arithmetic, the operand of -v a name. */
  doubleBracket(words: readonly Word[]): void {
    words.forEach((word, i) => {
      if (ARITHMETIC_TESTS.has(word.raw)) {
        for (const operand of [words[i - 1], words[i + 1]]) {
          if (operand) this.use("integer", operand, operand.raw, `[[ ... ${word.raw} ... ]]`);
        }
      } else if ((word.raw === "-v" || word.raw === "-R") && words[i + 1]) {
        this.nameUse(words[i + 1], words[i + 1].raw, `[[ ${word.raw} ... ]]`);
      }
    });
  }

  /** `set -- ...` or a function call: what $1, $2, ..., $@ hold. */
  positionals(values: readonly Word[]): void {
    const marks = values.flatMap((w) => [...w.marks]);
    const names = values.flatMap((w) => namesIn(plain(w.raw)));
    for (const p of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "@", "*"]) this.assign(p, marks, names);
  }

  refuse(words: readonly Word[], reason: string): void {
    for (const word of words) for (const mark of word.marks) this.facts.refusals.push({ mark, reason });
  }
}

/**
 * The command, when it runs what it reads on its standard input as shell code (a shell
 * without `-c`, `source`, `.`); undefined otherwise. `words` may be the command so far.
 */
export function stdinIsCode(words: readonly Word[]): string | undefined {
  const args = words.filter((w) => w.redirect === undefined);
  let i = 0;
  while (i < args.length && ASSIGNMENT.test(args[i].raw)) i++;
  i = skipWrappers(args, i);
  if (i >= args.length) return undefined;
  const command = args[i].raw.replace(/^.*\//, "");
  if (command === "source" || command === ".") return command;
  if (!SHELLS.has(command)) return undefined;
  return args.slice(i + 1).some((w) => /^-[a-z]*c[a-z]*$/.test(w.raw)) ? undefined : command;
}

/**
 * Records what the command made of `words` (redirections included, in order). `piped`:
 * the placeholders of the commands before it in its pipeline. Returns its own.
 */
export function analyzeCommand(
  words: readonly Word[],
  facts: Facts,
  piped: readonly number[] = [],
): number[] {
  const c = new CommandFacts(facts);
  const own = words.flatMap((w) => [...w.marks]);
  const herestrings = words.filter((w) => w.redirect === "herestring");
  const args = words.filter((w) => w.redirect === undefined);
  const codeReader = stdinIsCode(words);
  if (codeReader) {
    const reason = `${codeReader} runs what it reads on its standard input as shell code`;
    c.refuse(herestrings, reason);
    for (const mark of piped) facts.refusals.push({ mark, reason });
  }
  for (const word of words)
    if (word.redirect === "descriptor")
      c.use("descriptor", word, word.raw, "a redirection to a file descriptor (>& or <&)");
  let i = 0;
  while (i < args.length && ASSIGNMENT.test(args[i].raw)) c.assignment(args[i++]);
  i = skipWrappers(args, i);
  if (i >= args.length) return own;
  const command = args[i].raw.replace(/^.*\//, "");
  const rest = args.slice(i + 1);
  if (facts.functions.has(command)) {
    // A function's $1, $2, ... are the arguments of each call.
    c.positionals(rest);
  }
  if (SHELLS.has(command)) {
    const code = rest.findIndex((w) => /^-[a-z]*c[a-z]*$/.test(w.raw));
    if (code >= 0 && rest[code + 1])
      c.refuse([rest[code + 1]], `${command} -c runs its argument as shell code`);
  }
  switch (command) {
    case "let":
      for (const word of rest) c.use("integer", word, word.raw, "let");
      break;
    case "declare":
    case "typeset":
    case "local":
    case "export":
    case "readonly":
      c.declare(command, rest);
      break;
    case "printf": {
      const v = rest.findIndex((w) => w.raw === "-v");
      if (v >= 0 && rest[v + 1]) c.nameUse(rest[v + 1], rest[v + 1].raw, "printf -v");
      break;
    }
    case "read":
      c.read(rest, herestrings);
      break;
    case "test":
    case "[":
      rest.forEach((word, j) => {
        if (word.raw === "-v" && rest[j + 1]) c.nameUse(rest[j + 1], rest[j + 1].raw, `${command} -v`);
      });
      break;
    case "[[":
      c.doubleBracket(rest);
      break;
    case "eval":
      c.refuse(rest, "eval runs its arguments as shell code");
      break;
    case "trap": {
      const action = rest.find((w) => !w.raw.startsWith("-"));
      if (action) c.refuse([action], "trap runs its first argument as shell code");
      break;
    }
    case "set": {
      const start = rest.findIndex((w) => w.raw === "--" || !w.raw.startsWith("-"));
      if (start >= 0) c.positionals(rest.slice(rest[start].raw === "--" ? start + 1 : start));
      break;
    }
    case "unset":
      for (const word of rest) if (!word.raw.startsWith("-")) c.nameUse(word, word.raw, "unset");
      break;
    case "for":
    case "select":
      if (rest[0] && rest[1]?.raw === "in") {
        const values = rest.slice(2);
        c.assign(
          rest[0].raw,
          values.flatMap((w) => [...w.marks]),
          values.flatMap((w) => namesIn(plain(w.raw))),
        );
      }
      break;
  }
  return own;
}

/** The index of the command a wrapper (`command`, `env`, `nohup`, ...) runs, or `i` itself. */
function skipWrappers(args: readonly Word[], i: number): number {
  for (;;) {
    const wrapper = args[i] && WRAPPERS[args[i].raw.replace(/^.*\//, "")];
    if (!wrapper) return i;
    i++;
    while (i < args.length) {
      const raw = args[i].raw;
      if (raw === "--") {
        i++;
        break;
      }
      if (wrapper.takesValue?.includes(raw)) i += 2;
      else if (wrapper.flags?.test(raw)) i++;
      else if (wrapper.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(raw)) i++;
      else if (/^-\w/.test(raw) && wrapper === WRAPPERS.timeout) i++;
      else if (wrapper === WRAPPERS.timeout && /^\d/.test(raw)) {
        i++;
        break;
      } else break;
    }
  }
}
