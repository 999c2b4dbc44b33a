/**
 * Safe substitution into a shell command string. Each `${...}` value becomes an
 * environment variable of the child process, and the command text refers to it in a
 * form that fits the quoting context where the binding was written:
 *   unquoted (also inside `$(...)` and backticks):  "${MC_ARG_0}"
 *   in "...":                                       ${MC_ARG_0}
 *   in '...':                                       '"${MC_ARG_0}"'
 *   in an unquoted here-document body:              ${MC_ARG_0}
 * The shell therefore only ever expands a variable, in a quoted position: a value such
 * as `"; rm -rf ~"`, `$(id)` or `a * b` stays data and can never change the command's
 * structure or its arguments.
 *
 * Knowing the context takes a small scanner of POSIX shell syntax: quotes, escapes,
 * comments (a `'` in `# don't` is not a quote), command substitutions (whose quotes
 * nest inside "..."), and here-documents (whose bodies are not code).
 */

const MARK = "\u0000MC";

/** Quote function for renderDeferred: records the value, returns a placeholder. */
export function placeholderQuoter(values: string[]): (value: unknown) => string {
  return (value) => {
    const text =
      value === null || value === undefined
        ? ""
        : typeof value === "object"
          ? JSON.stringify(value)
          : String(value);
    values.push(text);
    return `${MARK}${values.length - 1}\u0000`;
  };
}

type Frame = { kind: "code" | "dq" | "sq" | "backtick" } | { kind: "subst"; depth: number };

interface Heredoc {
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

/** Characters after which a `#` starts a comment. */
const WORD_BREAK = new Set([" ", "\t", "\n", ";", "&", "|", "(", ")", "<", ">"]);

/** Replaces placeholders by variable references that fit their quoting context. */
export function bindPlaceholders(command: string): string {
  return new Scanner(command).run();
}

class Scanner {
  private out = "";
  private i = 0;
  private readonly stack: Frame[] = [{ kind: "code" }];
  private pending: Heredoc[] = [];

  constructor(private readonly text: string) {}

  run(): string {
    const s = this.text;
    while (this.i < s.length) {
      if (s.startsWith(MARK, this.i)) {
        this.out += reference(this.readMark(), this.top().kind);
        continue;
      }
      const top = this.top();
      if (top.kind === "sq") this.inSingle();
      else if (top.kind === "dq") this.inDouble();
      else this.inCode(top);
    }
    return this.out;
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1];
  }

  /** Consumes a placeholder at `i`; returns its variable name. */
  private readMark(): string {
    const end = this.text.indexOf("\u0000", this.i + MARK.length);
    const name = `MC_ARG_${this.text.slice(this.i + MARK.length, end)}`;
    this.i = end + 1;
    return name;
  }

  /** Copies one character (and the one after a backslash). */
  private copy(n = 1): void {
    this.out += this.text.slice(this.i, this.i + n);
    this.i += n;
  }

  private inSingle(): void {
    if (this.text[this.i] === "'") this.stack.pop();
    this.copy();
  }

  private inDouble(): void {
    const s = this.text;
    const ch = s[this.i];
    if (ch === "\\") {
      this.copy(2);
    } else if (s.startsWith("$(", this.i)) {
      this.stack.push({ kind: "subst", depth: 0 });
      this.copy(2);
    } else {
      if (ch === '"') this.stack.pop();
      else if (ch === "`") this.stack.push({ kind: "backtick" });
      this.copy();
    }
  }

  private inCode(top: Frame): void {
    const s = this.text;
    const ch = s[this.i];
    const prev = this.i === 0 ? "\n" : s[this.i - 1];
    if (ch === "\\") {
      this.copy(2);
    } else if (s.startsWith("$(", this.i)) {
      this.stack.push({ kind: "subst", depth: 0 });
      this.copy(2);
    } else if (ch === "#" && WORD_BREAK.has(prev)) {
      this.comment();
    } else if (
      s.startsWith("<<", this.i) &&
      s[this.i + 2] !== "<" &&
      !(top.kind === "subst" && top.depth > 0)
    ) {
      // (Inside `$((...))`, `<<` is a shift.)
      this.heredocOperator();
    } else if (ch === "\n" && this.pending.length > 0) {
      this.copy();
      this.heredocBodies();
    } else {
      this.frameChange(top, ch);
      this.copy();
    }
  }

  /** Quotes, backticks and parentheses that open or close a context in code. */
  private frameChange(top: Frame, ch: string): void {
    if (ch === "'") this.stack.push({ kind: "sq" });
    else if (ch === '"') this.stack.push({ kind: "dq" });
    else if (ch === "`") {
      if (top.kind === "backtick") this.stack.pop();
      else this.stack.push({ kind: "backtick" });
    } else if (top.kind === "subst" && ch === "(") top.depth++;
    else if (top.kind === "subst" && ch === ")") {
      if (top.depth === 0) this.stack.pop();
      else top.depth--;
    }
  }

  /** A comment runs to the end of the line; placeholders in it are never expanded. */
  private comment(): void {
    const end = this.text.indexOf("\n", this.i);
    const stop = end < 0 ? this.text.length : end;
    while (this.i < stop) {
      if (this.text.startsWith(MARK, this.i)) this.out += reference(this.readMark(), "code");
      else this.copy();
    }
  }

  /** `<<WORD`, `<<-WORD`, `<< 'WORD'`: the body starts after the current line. */
  private heredocOperator(): void {
    const m = /^<<(-?)[ \t]*((?:[^\s;&|<>()]|\\.)+)/.exec(this.text.slice(this.i));
    if (!m) {
      this.copy(2);
      return;
    }
    const word = m[2];
    this.pending.push({
      delimiter: word.replace(/\\(.)/g, "$1").replace(/['"]/g, ""),
      quoted: /['"\\]/.test(word),
      stripTabs: m[1] === "-",
    });
    this.copy(m[0].length);
  }

  /** Here-document bodies, one after the other, each up to its delimiter line. */
  private heredocBodies(): void {
    const s = this.text;
    for (const doc of this.pending) {
      while (this.i < s.length) {
        const end = s.indexOf("\n", this.i);
        const stop = end < 0 ? s.length : end;
        const line = s.slice(this.i, stop);
        if ((doc.stripTabs ? line.replace(/^\t+/, "") : line) === doc.delimiter) {
          this.copy(stop - this.i + (end < 0 ? 0 : 1));
          break;
        }
        while (this.i < stop) {
          if (!s.startsWith(MARK, this.i)) {
            this.copy();
            continue;
          }
          if (doc.quoted) {
            throw new Error(
              `a \${...} value cannot be substituted into the quoted here-document <<'${doc.delimiter}' (nothing in it is expanded); use an unquoted delimiter`,
            );
          }
          this.out += `\${${this.readMark()}}`;
        }
        if (end >= 0) this.copy();
      }
    }
    this.pending = [];
  }
}

/** The variable reference for a placeholder in a context of this kind. */
function reference(name: string, kind: Frame["kind"]): string {
  if (kind === "dq") return `\${${name}}`;
  if (kind === "sq") return `'"\${${name}}"'`;
  return `"\${${name}}"`;
}
