/**
 * The syntax tree of one binding expression (the text between `${` and `}`).
 * Every node records where it starts and ends in the parsed text and the text itself,
 * so evaluation errors can point at the part that failed.
 */

interface NodeBase {
  /** Offset of the node's first character in the parsed text. */
  readonly start: number;
  /** Offset just past the node's last character. */
  readonly end: number;
  /** The node's own source text, e.g. `input.items[0]`. */
  readonly text: string;
}

/** `"text"`, `'text'`, `12.5`, `true`, `false`, `null`, or an unquoted default. */
export interface LiteralNode extends NodeBase {
  readonly kind: "literal";
  readonly value: string | number | boolean | null;
}

/** The first name of a path: `input`, `env`, `jobs`, ... */
export interface SourceNode extends NodeBase {
  readonly kind: "source";
  readonly name: string;
}

/** `.name`, `["name"]`, `[0]`, `[-1]`. */
export interface MemberSegment {
  readonly kind: "member";
  readonly key: string | number;
  readonly start: number;
}

/** `[*]`: apply the rest of the chain to every element of a list. */
export interface WildcardSegment {
  readonly kind: "wildcard";
  readonly start: number;
}

/** `.trim()`, `.split(",")`, ... one of the fixed methods. */
export interface CallSegment {
  readonly kind: "call";
  readonly method: string;
  readonly args: readonly Expr[];
  readonly start: number;
}

export type Segment = MemberSegment | WildcardSegment | CallSegment;

/** A target followed by member reads, `[*]` and method calls: `jobs.a.output[0].trim()`. */
export interface AccessNode extends NodeBase {
  readonly kind: "access";
  readonly target: Expr;
  readonly segments: readonly Segment[];
}

export type UnaryOperator = "!" | "-";

export interface UnaryNode extends NodeBase {
  readonly kind: "unary";
  readonly op: UnaryOperator;
  readonly operand: Expr;
}

export type BinaryOperator =
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "&&"
  | "||";

export interface BinaryNode extends NodeBase {
  readonly kind: "binary";
  readonly op: BinaryOperator;
  readonly left: Expr;
  readonly right: Expr;
}

/** The type names accepted after `as` (upstream's hints included: see convert.ts). */
export type TypeName =
  | "text"
  | "string"
  | "markdown"
  | "number"
  | "integer"
  | "int"
  | "boolean"
  | "json"
  | "list"
  | "base64"
  | "object"
  | "object[]"
  | "select"
  | "stream"
  | "any"
  | MediaType;

/** Upstream's media hints: the value is bytes (or text naming where they are). */
export type MediaType = "image" | "audio" | "video" | "file";

/** How a media value is written: `;base64` text, or a `;url`, `;path`, `;data-uri` that names it. */
export type MediaFormat = "base64" | "url" | "path" | "data-uri";

/**
 * A parsed `as` type; `fields` is set for `object/a,b.c` and `object[]/a,b.c`,
 * `options` for `select/a,b`, `subtype` for `image/png`, `audio/wav`, `stream/text`.
 */
export interface TypeSpec {
  readonly name: TypeName;
  /** Each field as its dotted path: `b.c` is `["b", "c"]`. */
  readonly fields?: readonly (readonly string[])[];
  readonly options?: readonly string[];
  readonly subtype?: string;
  /** `image[]`: a list, each element converted. */
  readonly list?: boolean;
  readonly format?: MediaFormat;
  readonly text: string;
}

/** An `@(name value)` after a binding: `@(description The user's question)`. */
export interface Annotation {
  readonly name: string;
  readonly value: string;
}

/** `value as type`. */
export interface ConvertNode extends NodeBase {
  readonly kind: "convert";
  readonly target: Expr;
  readonly type: TypeSpec;
}

/** `value | fallback`: the fallback is used when the value is undefined or null. */
export interface DefaultNode extends NodeBase {
  readonly kind: "default";
  readonly target: Expr;
  readonly fallback: Expr;
}

export type Expr = LiteralNode | SourceNode | AccessNode | UnaryNode | BinaryNode | ConvertNode | DefaultNode;
