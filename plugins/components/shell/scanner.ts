/**
 * A scanner of shell syntax, POSIX plus the bash constructs that evaluate text
 * (placeholders.ts says why). It copies the command, replacing each placeholder by a
 * variable reference that fits where it stands, and records where values go (uses.ts).
 *
 * It knows quotes and escapes, comments (a `'` in `# don't` is not a quote), command
 * substitutions (whose quotes nest inside "..."), `case` patterns (whose `)` closes no
 * `$(`), here-documents (whose bodies are not code), here-strings, arithmetic
 * (`$((...))`, `((...))`, `$[...]`), parameter expansions (`${a[...]}` subscripts,
 * `${s:offset}`), array assignments and `[[ ... ]]`; and the words of each simple
 * command, for commands.ts.
 *
 * Over 400 lines on purpose: it is one recursive-descent pass whose states (quote,
 * substitution, arithmetic, here-document) call each other; split, each part would need
 * the others' cursor and would be read together anyway.
 */
import { analyzeCommand, stdinIsCode, type Word } from "./commands.ts";
import { type Facts, MARK, namesIn, withoutMarks } from "./uses.ts";

export { MARK };

/** Where code runs: the top level, `$(...)`, backticks. Each has its own commands. */
interface CommandState {
  words: Word[];
  /** The word being read: where it starts in the source and its placeholders. */
  word: { start: number; marks: Set<number>; redirect?: Word["redirect"] } | null;
  /** The next word is the target of a redirection. */
  redirect?: Word["redirect"];
  /** Open `case` commands, innermost last. */
  cases: ("subject" | "in" | "pattern" | "body")[];
  /** Inside `[[ ... ]]`. */
  doubleBracket: boolean;
  /** Placeholders of the commands before this one in its pipeline (`a | b`). */
  pipeline: number[];
}

type CodeFrame =
  | { kind: "code"; cmd: CommandState }
  | { kind: "subst"; depth: number; cmd: CommandState }
  | { kind: "backtick"; cmd: CommandState };

/** Text that is evaluated as arithmetic. */
interface ArithFrame {
  kind: "arith";
  /** What ends it: `))`, `]` (of `$[` or a subscript) or `}` (an offset). */
  close: "))" | "]" | "}";
  depth: number;
  where: string;
  /** Placeholders are written without quotes (dash refuses quotes in `$((...))`). */
  bare: boolean;
  /** Its text is arithmetic; false for an associative array's key. */
  evaluated: boolean;
  start: number;
  marks: number[];
}

/** `NAME=(...)`: items, where `[sub]=` starts a subscript. */
interface ArrayFrame {
  kind: "array";
  name: string;
}

interface Heredoc {
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
  /** The command that reads it, when it runs it as code (`bash <<EOF`). */
  codeReader?: string;
}

/** A here-document's body: expanded as in "..." (unless its delimiter is quoted), up to the delimiter line. */
interface HeredocFrame {
  kind: "heredoc";
  doc: Heredoc;
}

type Frame = CodeFrame | ArithFrame | ArrayFrame | HeredocFrame | { kind: "dq" } | { kind: "sq" };

/** Reserved words after which the next word is again a command name. */
const RESERVED = new Set([
  "!",
  "{",
  "}",
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "while",
  "until",
  "time",
]);
const NAME_START = /[A-Za-z_]/;
/** `${` then an optional `!` or `#`, then a name, a digit or a special parameter. */
const PARAMETER = /^\$\{([!#]?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])?/;

/** `<<` or `<<-`, blanks, the delimiter word (which a placeholder cannot be part of). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: placeholders are delimited by NUL, which no command text holds
const HEREDOC_OPERATOR = /^<<(-?)[ \t]*((?:[^\s;&|<>()\u0000]|\\.)+)/;

/** What a placeholder error says of the value: the binding as written. */
export type Describe = (index: number) => string;

export class Scanner {
  private out = "";
  private i = 0;
  private readonly stack: Frame[];
  private pending: Heredoc[] = [];

  constructor(
    private readonly text: string,
    private readonly facts: Facts,
    private readonly describe: Describe,
  ) {
    this.stack = [{ kind: "code", cmd: newCommand() }];
  }

  run(): string {
    const s = this.text;
    while (this.i < s.length) {
      if (s.startsWith(MARK, this.i)) {
        this.placeholder();
        continue;
      }
      const top = this.top();
      if (top.kind === "sq") this.inSingle();
      else if (top.kind === "dq") this.inDouble();
      else if (top.kind === "arith") this.inArith(top);
      else if (top.kind === "array") this.inArray(top);
      else if (top.kind === "heredoc") this.inHeredoc(top);
      else this.inCode(top);
    }
    for (const frame of this.stack) if ("cmd" in frame) this.endCommand(frame.cmd);
    return this.out;
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1];
  }

  /** The innermost place where commands are read. */
  private code(): CodeFrame {
    for (let k = this.stack.length - 1; ; k--) {
      const f = this.stack[k];
      if (f.kind === "code" || f.kind === "subst" || f.kind === "backtick") return f;
    }
  }

  /** The innermost arithmetic text the placeholder is in, short of a `$(...)` boundary. */
  private arith(): ArithFrame | undefined {
    for (let k = this.stack.length - 1; k >= 0; k--) {
      const f = this.stack[k];
      if (f.kind === "arith") return f;
      if (f.kind === "code" || f.kind === "subst" || f.kind === "backtick") return undefined;
    }
    return undefined;
  }

  private copy(n = 1): void {
    this.out += this.text.slice(this.i, this.i + n);
    this.i += n;
  }

  /** Starts the current word if none is open (any character but a blank is in a word). */
  private inWord(): void {
    const cmd = this.code().cmd;
    if (cmd.word) return;
    cmd.word = { start: this.i, marks: new Set(), redirect: cmd.redirect };
    cmd.redirect = undefined;
  }

  private readMark(): number {
    const end = this.text.indexOf("\u0000", this.i + MARK.length);
    const index = Number(this.text.slice(this.i + MARK.length, end));
    this.i = end + 1;
    return index;
  }

  private placeholder(): void {
    const top = this.top();
    if (top.kind === "code" || top.kind === "subst" || top.kind === "backtick") this.inWord();
    const index = this.readMark();
    const name = `MC_ARG_${index}`;
    if (top.kind === "heredoc" && top.doc.codeReader) {
      throw new Error(
        `${this.describe(index)} cannot be used here: ${top.doc.codeReader} runs what it reads on its standard input (this here-document) as shell code`,
      );
    }
    if (top.kind === "heredoc" && top.doc.quoted) {
      throw new Error(
        `${this.describe(index)} cannot be substituted into the quoted here-document <<'${top.doc.delimiter}' (nothing in it is expanded); use an unquoted delimiter`,
      );
    }
    this.code().cmd.word?.marks.add(index);
    const arith = this.arith();
    if (arith) arith.marks.push(index);
    if (top.kind === "dq" || top.kind === "heredoc" || (top.kind === "arith" && top.bare))
      this.out += `\${${name}}`;
    else if (top.kind === "sq") this.out += `'"\${${name}}"'`;
    else this.out += `"\${${name}}"`;
  }

  /** A backslash escapes the next character; before a placeholder it would escape the value's first. */
  private escape(): void {
    if (this.text.startsWith(MARK, this.i + 1)) {
      this.i++;
      const index = this.readMark();
      throw new Error(
        `a backslash before ${this.describe(index)} would escape the first character of its value; remove the backslash (write $\${ for a literal \${)`,
      );
    }
    this.copy(2);
  }

  private inSingle(): void {
    if (this.text[this.i] === "'") this.stack.pop();
    this.copy();
  }

  private inDouble(): void {
    const s = this.text;
    const ch = s[this.i];
    if (ch === "\\") this.escape();
    else if (this.expansion()) return;
    else {
      if (ch === '"') this.stack.pop();
      this.copy();
    }
  }

  /** `$((`, `$(`, `$[`, `${`, a backtick: pushes what it opens. Shared by every context that expands. */
  private expansion(): boolean {
    const s = this.text;
    if (s.startsWith("$((", this.i)) {
      this.stack.push(this.arithFrame("))", "$((...))", true));
      this.copy(3);
    } else if (s.startsWith("$(", this.i)) {
      this.stack.push({ kind: "subst", depth: 0, cmd: newCommand() });
      this.copy(2);
    } else if (s.startsWith("$[", this.i)) {
      this.stack.push(this.arithFrame("]", "$[...]", true));
      this.copy(2);
    } else if (s.startsWith("${", this.i)) {
      this.parameter();
    } else if (s[this.i] === "`") {
      this.stack.push({ kind: "backtick", cmd: newCommand() });
      this.copy();
    } else return false;
    return true;
  }

  private arithFrame(close: ArithFrame["close"], where: string, bare: boolean, evaluated = true): ArithFrame {
    return { kind: "arith", close, depth: 0, where, bare, evaluated, start: this.i, marks: [] };
  }

  /** `${name...}`: a subscript or an offset after the name is arithmetic; the rest is copied as it comes. */
  private parameter(): void {
    const m = PARAMETER.exec(this.text.slice(this.i, this.i + 200));
    const [whole, prefix, name] = m ?? ["${", "", undefined];
    if (this.text.startsWith(MARK, this.i + whole.length)) {
      this.i += whole.length;
      const index = this.readMark();
      throw new Error(`${this.describe(index)} cannot be part of a variable's name in \${...}`);
    }
    this.copy(whole.length);
    if (name === undefined) return;
    if (prefix === "!")
      this.facts.uses.push({ need: "name", marks: [], names: [name], where: `\${!${name}}` });
    if (this.text[this.i] === "[" && NAME_START.test(name)) {
      this.stack.push(this.subscript(name));
      this.copy();
      return;
    }
    this.afterName();
  }

  private subscript(name: string): ArithFrame {
    const key = this.facts.assoc.has(name);
    return this.arithFrame("]", `the array subscript ${name}[...]`, false, !key);
  }

  /** After `${name` or `${name[...]`: `:` not followed by `-=?+` starts an offset. */
  private afterName(): void {
    const s = this.text;
    if (s[this.i] === ":" && !"-=?+".includes(s[this.i + 1] ?? "")) {
      this.copy();
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell construct, as messages name it
      this.stack.push(this.arithFrame("}", "the offset in ${name:...}", false));
    }
  }

  private inArith(top: ArithFrame): void {
    const s = this.text;
    const ch = s[this.i];
    if (top.depth === 0 && s.startsWith(top.close, this.i)) {
      this.closeArith(top);
      return;
    }
    if (ch === "\\") this.escape();
    else if (this.expansion()) return;
    else {
      if (ch === "'") this.stack.push({ kind: "sq" });
      else if (ch === '"') this.stack.push({ kind: "dq" });
      else if (ch === (top.close === "]" ? "[" : top.close === "}" ? "{" : "(")) top.depth++;
      else if (ch === (top.close === "]" ? "]" : top.close === "}" ? "}" : ")")) top.depth--;
      this.copy();
    }
  }

  private closeArith(top: ArithFrame): void {
    const body = this.text.slice(top.start, this.i);
    this.stack.pop();
    if (top.evaluated) {
      this.facts.uses.push({
        need: "integer",
        marks: top.marks,
        names: namesIn(withoutMarks(body)),
        where: top.where,
      });
    }
    if (top.close === "}") return; // The `}` closes the parameter expansion too; it is copied as code.
    this.copy(top.close.length);
    if (top.close === "]" && top.where.startsWith("the array subscript") && this.top().kind !== "array") {
      this.afterName();
    }
  }

  private inArray(top: ArrayFrame): void {
    const s = this.text;
    const ch = s[this.i];
    if (ch === ")") {
      this.stack.pop();
      this.copy();
    } else if (ch === "[" && /[\s(]/.test(s[this.i - 1] ?? " ")) {
      this.stack.push(this.subscript(top.name));
      this.copy();
    } else if (ch === "\\") this.escape();
    else if (this.expansion()) return;
    else {
      if (ch === "'") this.stack.push({ kind: "sq" });
      else if (ch === '"') this.stack.push({ kind: "dq" });
      this.copy();
    }
  }

  private inCode(top: CodeFrame): void {
    const s = this.text;
    const ch = s[this.i];
    const cmd = top.cmd;
    if (ch === " " || ch === "\t") {
      this.endWord(cmd);
      this.copy();
    } else if (ch === "\n") {
      this.endWord(cmd);
      if (!cmd.doubleBracket) this.endCommand(cmd);
      this.copy();
      this.nextHeredoc();
    } else if (ch === "#" && !cmd.word) {
      this.comment();
    } else if (ch === "\\") {
      this.inWord();
      this.escape();
    } else if (top.kind === "backtick" && ch === "`") {
      this.endWord(cmd);
      this.endCommand(cmd);
      this.stack.pop();
      this.copy();
    } else if (ch === "(" && !cmd.doubleBracket) {
      this.openParen(top);
    } else if (ch === ")" && !cmd.doubleBracket) {
      this.closeParen(top);
    } else if ((ch === ";" || ch === "&" || ch === "|") && !cmd.doubleBracket) {
      this.operator(cmd);
    } else if ((ch === "<" || ch === ">") && !cmd.doubleBracket) {
      this.redirection(cmd);
    } else if (cmd.doubleBracket && /[()&|<>]/.test(ch)) {
      // Inside [[ ]] these are operators of the test, each a word of its own.
      this.endWord(cmd);
      const n = s.startsWith("&&", this.i) || s.startsWith("||", this.i) ? 2 : 1;
      this.inWord();
      this.copy(n);
      this.endWord(cmd);
    } else {
      this.inWord();
      if (this.expansion()) return;
      if (ch === "'") this.stack.push({ kind: "sq" });
      else if (ch === '"') this.stack.push({ kind: "dq" });
      this.copy();
    }
  }

  private openParen(top: CodeFrame): void {
    const cmd = top.cmd;
    const s = this.text;
    const word = cmd.word ? s.slice(cmd.word.start, this.i) : undefined;
    const caseState = cmd.cases.at(-1);
    if (word !== undefined && /^[A-Za-z_][A-Za-z0-9_]*\+?=$/.test(word)) {
      const name = word.replace(/\+?=$/, "");
      // `declare -A m=(...)`: m is associative before the command ends.
      const first = cmd.words[0]?.raw;
      const declares =
        first === "declare" || first === "local" || first === "typeset" || first === "readonly";
      if (declares && cmd.words.some((w) => /^-[A-Za-z]*A/.test(w.raw))) this.facts.assoc.add(name);
      this.stack.push({ kind: "array", name });
      this.copy();
      return;
    }
    if (word !== undefined && /^[A-Za-z_][A-Za-z0-9_.:-]*$/.test(word) && s[this.i + 1] === ")") {
      this.facts.functions.add(word); // `name() { ...; }`
    }
    if (caseState === "pattern" && word === undefined) {
      this.copy(); // the optional `(` before a pattern
      return;
    }
    this.endWord(cmd);
    const atStart = cmd.words.length === 0;
    const afterFor = cmd.words.length === 1 && cmd.words[0].raw === "for";
    if (s.startsWith("((", this.i) && (atStart || afterFor)) {
      this.inWord();
      this.stack.push(this.arithFrame("))", "((...))", true));
      this.copy(2);
      return;
    }
    if (atStart) this.endCommand(cmd);
    if (top.kind === "subst") top.depth++;
    this.copy();
  }

  private closeParen(top: CodeFrame): void {
    const cmd = top.cmd;
    this.endWord(cmd);
    if (cmd.cases.at(-1) === "pattern") {
      cmd.cases[cmd.cases.length - 1] = "body";
      this.copy();
      return;
    }
    this.endCommand(cmd);
    if (top.kind === "subst") {
      if (top.depth === 0) this.stack.pop();
      else top.depth--;
    }
    this.copy();
  }

  /** `;`, `;;`, `&`, `&&`, `|`, `||`: the command ends. */
  private operator(cmd: CommandState): void {
    const s = this.text;
    const pipe = s[this.i] === "|" && s[this.i + 1] !== "|";
    this.endWord(cmd);
    this.endCommand(cmd, pipe);
    if (s.startsWith(";;", this.i) || s.startsWith(";&", this.i)) {
      if (cmd.cases.at(-1) === "body") cmd.cases[cmd.cases.length - 1] = "pattern";
      this.copy(s.startsWith(";;&", this.i) ? 3 : 2);
      return;
    }
    this.copy(s[this.i + 1] === s[this.i] ? 2 : 1);
  }

  /** `<`, `>`, `>>`, `<&`, `2>`, `<<<` (a here-string), `<<WORD` (a here-document). */
  private redirection(cmd: CommandState): void {
    const s = this.text;
    const word = cmd.word ? s.slice(cmd.word.start, this.i) : undefined;
    if (word !== undefined && /^\d+$/.test(word))
      cmd.word = null; // an fd number, not an argument
    else this.endWord(cmd);
    if (s[this.i + 1] === "(") {
      // `<(...)`, `>(...)`: a command of its own, whose output is a file name here.
      this.inWord();
      this.stack.push({ kind: "subst", depth: 0, cmd: newCommand() });
      this.copy(2);
    } else if (s.startsWith("<<<", this.i)) {
      cmd.redirect = "herestring";
      this.copy(3);
    } else if (s.startsWith("<<", this.i)) {
      this.heredocOperator();
    } else {
      const m = /^[<>][>&|]?/.exec(s.slice(this.i, this.i + 2));
      // `>&WORD`, `2>&WORD`, `<&WORD`: a file descriptor (commands.ts checks the word).
      cmd.redirect = m?.[0].endsWith("&") ? "descriptor" : "other";
      this.copy(m ? m[0].length : 1);
    }
  }

  private endWord(cmd: CommandState): void {
    const w = cmd.word;
    if (!w) return;
    cmd.word = null;
    const raw = this.text.slice(w.start, this.i);
    const word: Word = { raw, marks: w.marks, redirect: w.redirect };
    if (w.redirect) {
      cmd.words.push(word);
      return;
    }
    const cases = cmd.cases;
    const state = cases.at(-1);
    if (state === "subject") cases[cases.length - 1] = "in";
    else if (state === "in") {
      if (raw === "in") cases[cases.length - 1] = "pattern";
    } else if (state === "pattern") {
      if (raw === "esac") cases.pop();
    } else if (cmd.doubleBracket) {
      if (raw === "]]") {
        analyzeCommand(cmd.words, this.facts);
        cmd.words = [];
        cmd.doubleBracket = false;
      } else cmd.words.push(word);
    } else if (cmd.words.length === 1 && cmd.words[0].raw === "function") {
      // `function NAME`: the body that follows is commands of its own.
      this.facts.functions.add(raw);
      cmd.words = [];
    } else if (cmd.words.length === 0 && raw === "case") {
      cases.push("subject");
    } else if (cmd.words.length === 0 && raw === "esac" && state === "body") {
      cases.pop();
    } else if (cmd.words.length === 0 && RESERVED.has(raw)) {
      // The next word is the command.
    } else {
      cmd.words.push(word);
      if (cmd.words.length === 1 && raw === "[[") cmd.doubleBracket = true;
    }
  }

  /** `piped`: the command is followed by `|`, so its placeholders feed the next one. */
  private endCommand(cmd: CommandState, piped = false): void {
    this.endWord(cmd);
    const own = cmd.words.length > 0 ? analyzeCommand(cmd.words, this.facts, cmd.pipeline) : [];
    cmd.pipeline = piped ? [...cmd.pipeline, ...own] : [];
    cmd.words = [];
    cmd.redirect = undefined;
  }

  /** A comment runs to the end of the line; placeholders in it are never expanded. */
  private comment(): void {
    const end = this.text.indexOf("\n", this.i);
    const stop = end < 0 ? this.text.length : end;
    while (this.i < stop) {
      if (this.text.startsWith(MARK, this.i)) this.out += `"\${MC_ARG_${this.readMark()}}"`;
      else this.copy();
    }
  }

  /** `<<WORD`, `<<-WORD`, `<< 'WORD'`: the body starts after the current line. */
  private heredocOperator(): void {
    const m = HEREDOC_OPERATOR.exec(this.text.slice(this.i));
    const after = /^<<-?[ \t]*/.exec(this.text.slice(this.i))?.[0].length ?? 2;
    if (this.text.startsWith(MARK, this.i + after)) {
      this.i += after;
      throw new Error(`${this.describe(this.readMark())} cannot be a here-document's delimiter`);
    }
    if (!m) {
      this.copy(2);
      return;
    }
    const word = m[2];
    const cmd = this.code().cmd;
    this.pending.push({
      delimiter: word.replace(/\\(.)/g, "$1").replace(/['"]/g, ""),
      quoted: /['"\\]/.test(word),
      stripTabs: m[1] === "-",
      codeReader: stdinIsCode(cmd.words),
    });
    this.copy(m[0].length);
  }

  /** After the line of a `<<` operator: the next body starts. */
  private nextHeredoc(): void {
    const doc = this.pending.shift();
    if (doc) this.stack.push({ kind: "heredoc", doc });
  }

  private inHeredoc(top: HeredocFrame): void {
    const s = this.text;
    const doc = top.doc;
    if (this.i === 0 || s[this.i - 1] === "\n") {
      const end = s.indexOf("\n", this.i);
      const stop = end < 0 ? s.length : end;
      const line = s.slice(this.i, stop);
      if ((doc.stripTabs ? line.replace(/^\t+/, "") : line) === doc.delimiter) {
        this.copy(stop - this.i + (end < 0 ? 0 : 1));
        this.stack.pop();
        this.nextHeredoc();
        return;
      }
    }
    if (doc.quoted) this.copy();
    else if (s[this.i] === "\\") this.escape();
    else if (!this.expansion()) this.copy();
  }
}

function newCommand(): CommandState {
  return { words: [], word: null, cases: [], doubleBracket: false, pipeline: [] };
}
