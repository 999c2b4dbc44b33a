/**
 * The binding language: `${ source.path as type | default }` in compose values.
 *
 * Compile templates once at load time (`compileTemplate`, `checkTemplate`,
 * `collectReferences`), render them per run (`renderTemplate`). Single expressions can
 * be parsed and evaluated directly (`parseBinding`, `evaluate`).
 *
 * Choices worth knowing:
 * - A missing path is undefined; `| default` applies to undefined and null only
 *   (0, "" and false are kept). `as` passes undefined and null through unchanged.
 * - Interpolated into a longer string: null is "", undefined is an error, numbers and
 *   booleans use String(), lists and objects are JSON. A whole-value `${x}` that is
 *   undefined leaves its map key out.
 * - `as object[]/a,b.c` keeps the nesting: `{a: 1, b: {c: 2, d: 3}}` gives `{a: 1, b: {c: 2}}`;
 *   missing fields are left out. `as integer` truncates toward zero.
 * - Arithmetic and comparisons with an undefined operand give undefined (so a default
 *   can apply); any other non-numeric operand is an error.
 * - Inside `[*]` the rest of the chain applies per element; wrap in parentheses to act
 *   on the whole list: `(items[*].name).join(",")`.
 * - Spreading undefined or null (`"...": ${x}` or `"...${x}"`) adds nothing.
 * - An unquoted default runs to the closing `}` (or `)` inside parentheses) and is a
 *   number, boolean or null when it reads as one, otherwise text.
 */
export type {
  AccessNode,
  Annotation,
  BinaryNode,
  BinaryOperator,
  ConvertNode,
  DefaultNode,
  Expr,
  LiteralNode,
  Segment,
  SourceNode,
  TypeName,
  TypeSpec,
  UnaryNode,
} from "./ast.ts";
export { Binary } from "./binary.ts";
export { BindingError, type BindingKeyPath } from "./errors.ts";
export { evaluate, type Scope } from "./evaluate.ts";
export { METHOD_NAMES } from "./methods.ts";
export { parseBinding, rootInfo, TYPE_NAMES } from "./parser.ts";
export {
  checkTemplate,
  collectReferences,
  hasOnlySources,
  type InputFieldHint,
  inputHintsOf,
  type Reference,
} from "./references.ts";
export { SOURCES, type SourceName } from "./sources.ts";
export {
  compileTemplate,
  isBindingString,
  type RenderOptions,
  renderTemplate,
  soleSimpleSource,
  type Template,
} from "./template.ts";
export { truthy } from "./values.ts";
export { BindingView, materialize } from "./view.ts";
