/**
 * An on-demand scanner over binding text. The parser pulls tokens one at a time and, at
 * the few places where the grammar is not token-shaped (a name after `.`, a type after
 * `as`, an unquoted default after `|`), reads raw characters instead.
 */

export type TokenKind = "name" | "string" | "number" | "punct" | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** The name, the decoded string, the punctuation, or "" at the end. */
  readonly value: string;
  /** For numbers: the numeric value. */
  readonly number?: number;
  readonly start: number;
  readonly end: number;
}

/** A syntax error at an absolute offset; the parser turns it into a BindingError. */
export class SyntaxFailure extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
  }
}

const PUNCTUATION_2 = new Set(["${", "==", "!=", "<=", ">=", "&&", "||", "@("]);
const PUNCTUATION_1 = new Set([
  ".",
  "[",
  "]",
  "(",
  ")",
  ",",
  "|",
  "!",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "}",
]);

// The character classes below take one character (`src[i]`) and compare its code:
// comparing one-character strings with `<=` and `>=` made scanning a name 4 times
// slower, and names are most of what a compose file's bindings are made of.

/** A to Z, a to z, `_`. */
export function isNameStart(c: string | undefined): boolean {
  if (c === undefined) return false;
  const k = c.charCodeAt(0);
  return (k >= 97 && k <= 122) || (k >= 65 && k <= 90) || k === 95;
}

/** A name's start, or 0 to 9. */
export function isNameChar(c: string | undefined): boolean {
  if (c === undefined) return false;
  const k = c.charCodeAt(0);
  return (k >= 97 && k <= 122) || (k >= 65 && k <= 90) || k === 95 || (k >= 48 && k <= 57);
}

function isDigit(c: string | undefined): boolean {
  if (c === undefined) return false;
  const k = c.charCodeAt(0);
  return k >= 48 && k <= 57;
}

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  b: "\b",
  f: "\f",
  "/": "/",
  "\\": "\\",
  '"': '"',
  "'": "'",
  $: "$",
};

export class Lexer {
  private pos: number;
  private lookahead: Token | undefined;
  /** End offset of the last token or raw read that was consumed. */
  lastEnd: number;

  constructor(
    readonly src: string,
    start: number,
  ) {
    this.pos = start;
    this.lastEnd = start;
  }

  peek(): Token {
    if (!this.lookahead) this.lookahead = this.scan();
    return this.lookahead;
  }

  next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    this.pos = token.end;
    this.lastEnd = token.end;
    return token;
  }

  /** True when the next token is the punctuation `p`. */
  at(p: string): boolean {
    const t = this.peek();
    return t.kind === "punct" && t.value === p;
  }

  /** The offset where raw reading continues; only valid with no token looked ahead. */
  private rawStart(): number {
    if (this.lookahead) throw new Error("raw read with a token looked ahead");
    return this.pos;
  }

  /** Skips blanks and returns the next raw character offset. */
  skipSpaces(): number {
    let i = this.rawStart();
    while (isSpace(this.src[i])) i++;
    this.pos = i;
    return i;
  }

  startsWith(text: string): boolean {
    return this.src.startsWith(text, this.skipSpaces());
  }

  /** A member name right after `.`: name characters (digits allowed first) and inner hyphens. */
  readName(): { name: string; start: number } | undefined {
    const start = this.rawStart();
    let i = start;
    while (isNameChar(this.src[i]) || (this.src[i] === "-" && i > start && isNameChar(this.src[i + 1]))) i++;
    if (i === start) return undefined;
    this.pos = i;
    this.lastEnd = i;
    return { name: this.src.slice(start, i), start };
  }

  /**
   * The raw text of a type after `as`: `number`, `object[]/a,b.c`. Returns the text and
   * its start; the parser validates it.
   */
  readTypeText(): { text: string; start: number } {
    const start = this.skipSpaces();
    let i = start;
    const src = this.src;
    while (isNameChar(src[i])) i++;
    if (src.startsWith("[]", i)) i += 2;
    if (src[i] === "/") {
      i++;
      // field list: dotted names separated by commas, blanks allowed around the commas
      for (;;) {
        while (isNameChar(src[i]) || src[i] === "." || src[i] === "-") i++;
        let j = i;
        while (isSpace(src[j])) j++;
        if (src[j] !== ",") break;
        j++;
        while (isSpace(src[j])) j++;
        i = j;
      }
      // upstream's attributes of a subtype, `audio/pcm[sample_rate=24000]`: read, not used
      if (src[i] === "[") {
        const close = src.indexOf("]", i);
        if (close > 0) i = close + 1;
      }
    }
    // a media format: `image;base64`, `video;url`
    if (src[i] === ";") {
      i++;
      while (isNameChar(src[i]) || src[i] === "-") i++;
    }
    this.pos = i;
    this.lastEnd = i;
    return { text: src.slice(start, i), start };
  }

  /**
   * The rest of an `@(name value)` annotation after its `@(`: the name, then the value
   * up to the matching `)` (parentheses inside the value nest).
   */
  readAnnotation(): { name: string; value: string; start: number } {
    const src = this.src;
    const start = this.skipSpaces();
    let i = start;
    while (isNameChar(src[i])) i++;
    const name = src.slice(start, i);
    if (!name) throw new SyntaxFailure('expected a name after "@(", as in @(description text)', start);
    let depth = 1;
    const valueStart = i;
    for (; i < src.length; i++) {
      if (src[i] === "(") depth++;
      else if (src[i] === ")" && --depth === 0) break;
    }
    if (depth !== 0) throw new SyntaxFailure('missing ")" to close "@("', start - 2);
    this.pos = i + 1;
    this.lastEnd = i + 1;
    return { name, value: src.slice(valueStart, i).trim(), start };
  }

  /**
   * An unquoted default: everything up to (not including) the first character in
   * `stops`, or the end of the text. Returns the untrimmed text and its start.
   */
  readBare(stops: string): { text: string; start: number } {
    const start = this.rawStart();
    let i = start;
    // An annotation ends an unquoted default: `${x | 0 @(description ...)}`.
    while (i < this.src.length && !stops.includes(this.src[i]!) && !this.src.startsWith("@(", i)) i++;
    this.pos = i;
    this.lastEnd = i;
    return { text: this.src.slice(start, i), start };
  }

  private scan(): Token {
    const src = this.src;
    let i = this.pos;
    while (isSpace(src[i])) i++;
    const start = i;
    const c = src[i];
    if (c === undefined) return { kind: "eof", value: "", start, end: start };

    if (isNameStart(c)) {
      i++;
      while (isNameChar(src[i]) || (src[i] === "-" && isNameChar(src[i + 1]))) i++;
      return { kind: "name", value: src.slice(start, i), start, end: i };
    }

    if (isDigit(c)) {
      while (isDigit(src[i])) i++;
      if (src[i] === "." && isDigit(src[i + 1])) {
        i++;
        while (isDigit(src[i])) i++;
      }
      if (
        (src[i] === "e" || src[i] === "E") &&
        (isDigit(src[i + 1]) || /^[+-]\d/.test(src.slice(i + 1, i + 3)))
      ) {
        i += 2;
        while (isDigit(src[i])) i++;
      }
      if (isNameChar(src[i])) throw new SyntaxFailure(`unexpected "${src[i]}" after a number`, i);
      const text = src.slice(start, i);
      return { kind: "number", value: text, number: Number(text), start, end: i };
    }

    if (c === '"' || c === "'") return this.scanString(start);

    const two = src.slice(i, i + 2);
    if (PUNCTUATION_2.has(two)) return { kind: "punct", value: two, start, end: i + 2 };
    if (PUNCTUATION_1.has(c)) return { kind: "punct", value: c, start, end: i + 1 };
    if (c === "=") throw new SyntaxFailure('unexpected "="; use "==" to compare', i);
    if (c === "&") throw new SyntaxFailure('unexpected "&"; use "&&"', i);
    if (c === "{") throw new SyntaxFailure('unexpected "{"', i);
    throw new SyntaxFailure(`unexpected character ${JSON.stringify(c)}`, i);
  }

  private scanString(start: number): Token {
    const src = this.src;
    const quote = src[start]!;
    let i = start + 1;
    let value = "";
    for (;;) {
      const c = src[i];
      if (c === undefined) throw new SyntaxFailure("unterminated string", start);
      if (c === quote) break;
      if (c === "\\") {
        const e = src[i + 1];
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
          value += String.fromCharCode(Number.parseInt(src.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        const decoded = e !== undefined && Object.hasOwn(ESCAPES, e) ? ESCAPES[e] : undefined;
        if (decoded === undefined) throw new SyntaxFailure(`unknown escape "\\${e ?? ""}" in string`, i);
        value += decoded;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    return { kind: "string", value, start, end: i + 1 };
  }
}
