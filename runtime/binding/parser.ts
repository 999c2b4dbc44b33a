/**
 * A recursive-descent parser for binding expressions. Precedence, loosest first:
 * `|` (default), `as` (conversion), `||`, `&&`, `== !=`, `< <= > >=`, `+ -`, `* / %`,
 * unary `! -`, then member access, `[...]` and method calls.
 */
import type {
  Annotation,
  BinaryOperator,
  Expr,
  LiteralNode,
  Segment,
  TypeSpec,
  UnaryOperator,
} from "./ast.ts";
import { maxExpressionDepth, tooDeep } from "./depth.ts";
import { BindingError } from "./errors.ts";
import { isNameChar, isNameStart, Lexer, SyntaxFailure, type Token } from "./lexer.ts";
import { parseTypeText, TYPE_NAMES } from "./type-spec.ts";

export { TYPE_NAMES };

/** What `evaluate` needs to report errors against the whole binding. */
export interface RootInfo {
  /** The text between `${` and `}`. */
  readonly expression: string;
  /** Offset of `expression` in the text that was parsed. */
  readonly base: number;
  /** The `@(name value)` annotations written after the expression. */
  readonly annotations: readonly Annotation[];
}

/**
 * A tree's RootInfo is a property of its root node under this symbol: out of sight of
 * JSON, `Object.keys` and the evaluator. It was a WeakMap entry per binding, and every
 * garbage collection walks a WeakMap's entries: loading a 10 000-job file took 1.1×
 * the time with it (alternated processes, medians).
 */
const ROOT_INFO: unique symbol = Symbol("binding root");

type Rooted = { [ROOT_INFO]?: RootInfo };

function setRootInfo(expr: Expr, info: RootInfo): void {
  (expr as Rooted)[ROOT_INFO] = info;
}

/** The expression text and base offset of a tree returned by the parser. */
export function rootInfo(expr: Expr): RootInfo | undefined {
  return (expr as Rooted)[ROOT_INFO];
}

/** A node without its span; the parser adds `start`, `end` and `text`. */
type NodeInit = Expr extends infer N ? (N extends Expr ? Omit<N, "start" | "end" | "text"> : never) : never;

const LITERAL_WORDS: ReadonlyMap<string, boolean | null> = new Map([
  ["true", true],
  ["false", false],
  ["null", null],
]);
const NUMBER_TEXT = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

const BINARY_LEVELS: readonly (readonly BinaryOperator[])[] = [
  ["||"],
  ["&&"],
  ["==", "!="],
  ["<", "<=", ">", ">="],
  ["+", "-"],
  ["*", "/", "%"],
];

/**
 * Parses the text inside `${ }` into an expression tree.
 *
 * @example
 * const expr = parseBinding('input.model | "gpt-4o"');
 * evaluate(expr, { input: {} }); // "gpt-4o"
 * @throws BindingError with `offset` pointing at the bad character.
 */
export function parseBinding(source: string): Expr {
  const parser = new Parser(source, 0, "");
  try {
    const expr = parser.parseTop();
    const annotations = parser.parseAnnotations();
    const end = parser.lexer.peek();
    if (end.kind !== "eof") throw unexpected(end, "the end of the binding");
    setRootInfo(expr, { expression: source, base: 0, annotations });
    return expr;
  } catch (e) {
    if (e instanceof SyntaxFailure) throw new BindingError(e.reason, source, { offset: e.offset });
    throw e;
  }
}

/**
 * Parses a binding embedded in a longer text, starting just after its `${`.
 * Returns the tree and the offset just past the closing `}`.
 * @throws SyntaxFailure with an absolute offset.
 */
export function parseEmbedded(text: string, start: number): { expr: Expr; end: number } {
  return parseSimplePath(text, start) ?? parseEmbeddedFully(text, start);
}

/** parseEmbedded without the shortcut below (its test compares the two). */
export function parseEmbeddedFully(text: string, start: number): { expr: Expr; end: number } {
  const parser = new Parser(text, start, "}");
  const expr = parser.parseTop();
  const annotations = parser.parseAnnotations();
  const close = parser.lexer.next();
  if (close.kind === "eof") throw new SyntaxFailure('missing "}" to close "${"', start);
  if (close.kind !== "punct" || close.value !== "}") throw unexpected(close, '"}"');
  setRootInfo(expr, { expression: text.slice(start, close.start), base: start, annotations });
  return { expr, end: close.end };
}

/**
 * The tree of the commonest binding, a source and member names (`${jobs.a.output}`,
 * `${input.file-name}`) closed right after the last name, read without the parser; any
 * other text is left to it (undefined). The tree is the parser's own, node for node
 * (parser-shortcut.test.ts). The parser descends through every precedence level for
 * each name, and compiling the bindings of a 1000-job file spent most of its time there.
 */
export function parseSimplePath(text: string, start: number): { expr: Expr; end: number } | undefined {
  // The source: a name starting with a letter or `_`, with inner hyphens.
  // The name rules are the lexer's (`isNameStart`, `isNameChar`), so the two cannot drift.
  let i = start;
  if (!isNameStart(text[i])) return undefined;
  i++;
  while (isNameChar(text[i]) || (text[i] === "-" && isNameChar(text[i + 1]))) i++;
  const name = text.slice(start, i);
  if (LITERAL_WORDS.has(name)) return undefined;
  const sourceEnd = i;
  const segments: Segment[] = [];
  // `.name`: name characters, a digit first allowed, inner hyphens.
  while (text[i] === ".") {
    const dot = i;
    const from = ++i;
    while (isNameChar(text[i]) || (text[i] === "-" && i > from && isNameChar(text[i + 1]))) i++;
    if (i === from) return undefined;
    segments.push({ kind: "member", key: text.slice(from, i), start: dot });
  }
  if (text[i] !== "}") return undefined;
  // An access is two levels deep: below that limit, the parser says so.
  if (segments.length > 0 && maxExpressionDepth() < 2) return undefined;
  const source: Expr = { kind: "source", name, start, end: sourceEnd, text: name };
  const expression = text.slice(start, i);
  const expr: Expr =
    segments.length === 0
      ? source
      : { kind: "access", target: source, segments, start, end: i, text: expression };
  setRootInfo(expr, { expression, base: start, annotations: [] });
  return { expr, end: i + 1 };
}

function unexpected(token: Token, expected: string): SyntaxFailure {
  const what =
    token.kind === "eof"
      ? "the end of the binding"
      : token.kind === "string"
        ? "a string"
        : JSON.stringify(token.value);
  return new SyntaxFailure(`unexpected ${what}; expected ${expected}`, token.start);
}

class Parser {
  readonly lexer: Lexer;
  /** Characters that end an unquoted default here (closing brackets of enclosing constructs). */
  private stops: string;
  private readonly maxDepth = maxExpressionDepth();
  /** Open recursive constructs (parentheses, arguments, `!`, nested defaults). */
  private nesting = 0;
  /** Depth of each node built, so a chain of operators is bounded as well. */
  private readonly depths = new WeakMap<object, number>();

  constructor(
    readonly src: string,
    start: number,
    stops: string,
  ) {
    this.lexer = new Lexer(src, start);
    this.stops = stops;
  }

  /** `@(name value)` annotations after a whole binding (upstream's form; they describe, not compute). */
  parseAnnotations(): Annotation[] {
    const out: Annotation[] = [];
    while (this.lexer.at("@(")) {
      this.lexer.next();
      const { name, value } = this.lexer.readAnnotation();
      out.push({ name, value });
    }
    return out;
  }

  /** Runs `parse` one level deeper; past the limit, a syntax error at `at`. */
  private deeper<T>(at: number, parse: () => T): T {
    if (++this.nesting > this.maxDepth) throw new SyntaxFailure(tooDeep(this.maxDepth), at);
    try {
      return parse();
    } finally {
      this.nesting--;
    }
  }

  /** A whole binding: an expression with optional `as` conversions and `|` defaults. */
  parseTop(): Expr {
    return this.deeper(this.lexer.peek().start, () => this.parseTopLevel());
  }

  private parseTopLevel(): Expr {
    let expr = this.parseConverted();
    while (this.lexer.at("|")) {
      this.lexer.next();
      const fallback = this.parseDefaultValue();
      expr = this.node({ kind: "default", target: expr, fallback }, expr.start);
    }
    return expr;
  }

  private parseConverted(): Expr {
    let expr = this.parseBinary(0);
    for (;;) {
      const t = this.lexer.peek();
      if (t.kind !== "name" || t.value !== "as") return expr;
      this.lexer.next();
      const type = this.parseType();
      expr = this.node({ kind: "convert", target: expr, type }, expr.start);
    }
  }

  private parseType(): TypeSpec {
    const { text, start } = this.lexer.readTypeText();
    return parseTypeText(text, start);
  }

  /** After `|`: a nested `${...}`, a quoted string, or unquoted text up to the closing bracket. */
  private parseDefaultValue(): Expr {
    const lexer = this.lexer;
    const start = lexer.skipSpaces();
    if (this.src.startsWith("${", start)) {
      lexer.next();
      const saved = this.stops;
      this.stops = "}";
      const inner = this.parseTop();
      this.stops = saved;
      const close = lexer.next();
      if (close.kind !== "punct" || close.value !== "}") {
        throw close.kind === "eof"
          ? new SyntaxFailure('missing "}" to close the nested "${"', start)
          : unexpected(close, '"}" to close the nested "${"');
      }
      return inner;
    }
    const c = this.src[start];
    if (c === '"' || c === "'") {
      const t = lexer.next();
      return this.node({ kind: "literal", value: t.value }, t.start);
    }
    const bare = lexer.readBare(this.stops || "\u0000");
    const word = bare.text.trim();
    if (word === "") throw new SyntaxFailure('expected a default value after "|"', start);
    if (word.includes("${")) {
      throw new SyntaxFailure(
        `a nested "\${" must be the whole default, e.g. | \${env.X}`,
        start + bare.text.indexOf("${"),
      );
    }
    let value: string | number | boolean | null = word;
    if (NUMBER_TEXT.test(word)) value = Number(word);
    else if (LITERAL_WORDS.has(word)) value = LITERAL_WORDS.get(word)!;
    const end = start + word.length;
    const node: LiteralNode = { kind: "literal", value, start, end, text: this.src.slice(start, end) };
    return node;
  }

  private parseBinary(level: number): Expr {
    if (level === BINARY_LEVELS.length) return this.parseUnary();
    const ops = BINARY_LEVELS[level]!;
    let left = this.parseBinary(level + 1);
    for (;;) {
      const t = this.lexer.peek();
      if (t.kind !== "punct" || !ops.includes(t.value as BinaryOperator)) return left;
      this.lexer.next();
      const right = this.parseBinary(level + 1);
      left = this.node({ kind: "binary", op: t.value as BinaryOperator, left, right }, left.start);
    }
  }

  private parseUnary(): Expr {
    const t = this.lexer.peek();
    if (t.kind === "punct" && (t.value === "!" || t.value === "-")) {
      this.lexer.next();
      const operand = this.deeper(t.start, () => this.parseUnary());
      if (t.value === "-" && operand.kind === "literal" && typeof operand.value === "number") {
        return this.node({ kind: "literal", value: -operand.value }, t.start);
      }
      return this.node({ kind: "unary", op: t.value as UnaryOperator, operand }, t.start);
    }
    return this.parsePostfix();
  }

  private parsePostfix(): Expr {
    const target = this.parsePrimary();
    const segments: Segment[] = [];
    const lexer = this.lexer;
    for (;;) {
      if (lexer.at(".")) {
        const dot = lexer.next();
        const name = lexer.readName();
        if (!name) throw new SyntaxFailure('expected a name after "."', dot.end);
        if (lexer.at("(")) segments.push(this.parseCall(name.name, dot.start));
        else segments.push({ kind: "member", key: name.name, start: dot.start });
      } else if (lexer.at("[")) {
        const open = lexer.next();
        segments.push(this.parseBracket(open.start));
      } else if (lexer.at("(")) {
        throw new SyntaxFailure(
          "only the built-in methods can be called, as value.method(...)",
          lexer.peek().start,
        );
      } else break;
    }
    if (segments.length === 0) return target;
    return this.node({ kind: "access", target, segments }, target.start);
  }

  private parseBracket(start: number): Segment {
    const lexer = this.lexer;
    const t = lexer.next();
    let segment: Segment;
    if (t.kind === "string") segment = { kind: "member", key: t.value, start };
    else if (t.kind === "punct" && t.value === "*") segment = { kind: "wildcard", start };
    else {
      let negative = false;
      let n = t;
      if (t.kind === "punct" && t.value === "-") {
        negative = true;
        n = lexer.next();
      }
      if (n.kind !== "number" || !Number.isInteger(n.number)) {
        throw new SyntaxFailure('expected a quoted name, an integer index or "*" inside [ ]', t.start);
      }
      segment = { kind: "member", key: negative ? -n.number! : n.number!, start };
    }
    const close = lexer.next();
    if (close.kind !== "punct" || close.value !== "]") throw unexpected(close, '"]"');
    return segment;
  }

  private parseCall(method: string, start: number): Segment {
    const lexer = this.lexer;
    lexer.next(); // (
    const args: Expr[] = [];
    const saved = this.stops;
    this.stops = saved + "),";
    if (!lexer.at(")")) {
      for (;;) {
        args.push(this.parseTop());
        if (!lexer.at(",")) break;
        lexer.next();
      }
    }
    this.stops = saved;
    const close = lexer.next();
    if (close.kind !== "punct" || close.value !== ")")
      throw unexpected(close, `"," or ")" in ${method}(...)`);
    return { kind: "call", method, args, start };
  }

  private parsePrimary(): Expr {
    const lexer = this.lexer;
    const t = lexer.next();
    switch (t.kind) {
      case "number":
        return this.node({ kind: "literal", value: t.number! }, t.start);
      case "string":
        return this.node({ kind: "literal", value: t.value }, t.start);
      case "name":
        if (LITERAL_WORDS.has(t.value)) {
          return this.node({ kind: "literal", value: LITERAL_WORDS.get(t.value)! }, t.start);
        }
        return this.node({ kind: "source", name: t.value }, t.start);
      case "punct":
        if (t.value === "(") {
          const saved = this.stops;
          this.stops = saved + ")";
          const inner = this.parseTop();
          this.stops = saved;
          const close = lexer.next();
          if (close.kind !== "punct" || close.value !== ")") throw unexpected(close, '")"');
          return inner;
        }
        if (t.value === "${") {
          throw new SyntaxFailure('a nested "${" is only allowed as a default, after "|"', t.start);
        }
        throw unexpected(t, "a value");
      default:
        throw unexpected(t, "a value");
    }
  }

  /** Completes a node with its span, ending at the last consumed character. */
  private node(partial: NodeInit, start: number): Expr {
    const end = this.lexer.lastEnd;
    const node = { ...partial, start, end, text: this.src.slice(start, end) } as Expr;
    let depth = 0;
    for (const value of Object.values(partial)) depth = Math.max(depth, this.depthOf(value));
    if (depth + 1 > this.maxDepth) throw new SyntaxFailure(tooDeep(this.maxDepth), start);
    this.depths.set(node, depth + 1);
    return node;
  }

  /** The depth of a child: a node, a list of segments, a call's arguments. */
  private depthOf(value: unknown): number {
    if (Array.isArray(value)) {
      let d = 0;
      for (const item of value) d = Math.max(d, this.depthOf(item));
      return d;
    }
    if (value === null || typeof value !== "object") return 0;
    const known = this.depths.get(value);
    if (known !== undefined) return known;
    return "args" in value ? this.depthOf((value as { args: unknown }).args) : 0;
  }
}
