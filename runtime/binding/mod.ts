/**
 * The binding language: `${ source.path as type | default }` in compose values.
 *
 * Compile templates once at load time (`compileTemplate`, `checkTemplate`,
 * `collectReferences`), render them per run (`renderTemplate`). Single expressions can
 * be parsed and evaluated directly (`parseBinding`, `evaluate`).
 */
export type {
  AccessNode,
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
export { BindingError, type BindingKeyPath } from "./errors.ts";
export { evaluate, type Scope } from "./evaluate.ts";
export { METHOD_NAMES } from "./methods.ts";
export { parseBinding, TYPE_NAMES } from "./parser.ts";
export { checkTemplate, collectReferences, hasOnlySources, type Reference } from "./references.ts";
export { SOURCES, type SourceName } from "./sources.ts";
export {
  compileTemplate,
  isBindingString,
  type RenderOptions,
  renderTemplate,
  type Template,
} from "./template.ts";
export { BindingView } from "./view.ts";
