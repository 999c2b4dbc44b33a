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

/** The type names accepted after `as`. */
export type TypeName = "text" | "number" | "integer" | "boolean" | "json" | "base64" | "object" | "object[]";

/** A parsed `as` type; `fields` is set for `object/a,b.c` and `object[]/a,b.c`. */
export interface TypeSpec {
  readonly name: TypeName;
  /** Each field as its dotted path: `b.c` is `["b", "c"]`. */
  readonly fields?: readonly (readonly string[])[];
  readonly text: string;
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
