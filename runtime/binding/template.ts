/**
 * Templates: any YAML value (maps, lists, scalars) whose strings may hold `${...}`
 * bindings. A template is compiled once (every binding parsed once) and rendered per
 * run by walking the compiled tree; rendering never parses.
 *
 * - A string that is exactly one `${...}` keeps the type of what it resolves to.
 * - `${...}` inside a longer string is interpolated as text (see `toText`); a missing
 *   (undefined) value there is an error, null becomes "".
 * - `$${` is a literal `${`.
 * - In a map, the key `...` with a `${x}` value merges x's fields; keys written in the
 *   map win. In a list, the item `"...${x}"` splices the elements of list x.
 */

import { describeValue } from "../schema-kit.ts";
import type { Expr } from "./ast.ts";
import { BindingError, type BindingKeyPath } from "./errors.ts";
import { evaluate, type Scope } from "./evaluate.ts";
import { SyntaxFailure } from "./lexer.ts";
import { parseEmbedded, parseSimplePath } from "./parser.ts";
import { isPlainObject, keysOf, readMember, toText } from "./values.ts";
import { materialize, unwrap } from "./view.ts";

/** A compiled template; create with `compileTemplate`, render with `renderTemplate`. */
export interface Template {
  /** The value the template was compiled from. */
  readonly source: unknown;
  /** True when the value contains no `${...}` binding (escapes `$${` aside). */
  readonly isStatic: boolean;
}

/** One `${...}` in a template string. */
export interface BindingSite {
  readonly expr: Expr;
  /** The text between `${` and `}`. */
  readonly expression: string;
  /** Offset of `expression` in the string (where the parsed node offsets are measured from). */
  readonly base: number;
  /** Key path of the string inside the template's value. */
  readonly path: BindingKeyPath;
}

type Part = string | BindingSite;

type Node =
  | { readonly kind: "const"; readonly value: unknown }
  | { readonly kind: "whole"; readonly site: BindingSite }
  | { readonly kind: "text"; readonly parts: readonly Part[]; readonly path: BindingKeyPath }
  | { readonly kind: "list"; readonly items: readonly ListItem[] }
  | { readonly kind: "map"; readonly entries: readonly MapEntry[]; readonly keys: ReadonlySet<string> };

type ListItem = Node | { readonly kind: "splice"; readonly site: BindingSite };
type MapEntry = { readonly key: string; readonly node: Node } | { readonly spread: BindingSite };

export interface RenderOptions {
  /**
   * Turns every substituted value into text (e.g. shell quoting). Applies to values
   * interpolated into longer strings and to whole-value strings `"${x}"`. `expression`
   * is the binding's text between `${` and `}`, for messages about the value.
   */
  readonly quote?: Quote;
}

type Quote = (value: unknown, expression: string) => string;

const SPREAD_KEY = "...";

class CompiledTemplate implements Template {
  constructor(
    readonly source: unknown,
    readonly isStatic: boolean,
    readonly root: Node,
    readonly sites: readonly BindingSite[],
  ) {}
}

/** The binding sites of a compiled template, in document order. */
export function sitesOf(t: Template): readonly BindingSite[] {
  return compiled(t).sites;
}

function compiled(t: Template): CompiledTemplate {
  if (!(t instanceof CompiledTemplate)) throw new TypeError("not a template made by compileTemplate()");
  return t;
}

/**
 * True when `s` contains a `${` that is not escaped as `$${`.
 *
 * @example
 * isBindingString("hi ${input.name}"); // true
 * isBindingString("echo $${HOME}");   // false
 */
export function isBindingString(s: string): boolean {
  let i = s.indexOf("$");
  while (i >= 0) {
    if (s.startsWith("$${", i)) i += 3;
    else if (s[i + 1] === "{") return true;
    else i++;
    i = s.indexOf("$", i);
  }
  return false;
}

/**
 * The source a string reads when it is exactly one binding of the commonest form, a
 * source and member names (`"${jobs.a.output}"` reads `jobs`); undefined for any other
 * string. Read by the parser's own shortcut, without compiling a template: for callers
 * that only need to know what such a string reads, for every string of a large file.
 *
 * @example
 * soleSimpleSource("${jobs.a.output}"); // "jobs"
 * soleSimpleSource("hi ${input.name}"); // undefined
 */
export function soleSimpleSource(s: string): string | undefined {
  if (!s.startsWith("${")) return undefined;
  const parsed = parseSimplePath(s, 2);
  if (parsed === undefined || parsed.end !== s.length) return undefined;
  const { expr } = parsed;
  if (expr.kind === "source") return expr.name;
  return expr.kind === "access" && expr.target.kind === "source" ? expr.target.name : undefined;
}

/**
 * Compiles a value for rendering: walks maps and lists, parsing every `${...}` once.
 *
 * @example
 * const t = compileTemplate({ model: "${input.model | gpt-4o}", prompt: "Say ${input.word}" });
 * renderTemplate(t, { input: { word: "hi" } }); // { model: "gpt-4o", prompt: "Say hi" }
 * @throws BindingError with `path` (the key path of the bad string) for syntax errors.
 */
export function compileTemplate(value: unknown): Template {
  const sites: BindingSite[] = [];
  const root = compileValue(value, [], sites);
  return new CompiledTemplate(value, sites.length === 0, root, sites);
}

function compileValue(value: unknown, path: BindingKeyPath, sites: BindingSite[]): Node {
  if (typeof value === "string") return compileString(value, path, sites);
  if (Array.isArray(value)) return compileList(value, path, sites);
  if (isPlainObject(value)) return compileMap(value, path, sites);
  return { kind: "const", value };
}

function compileString(s: string, path: BindingKeyPath, sites: BindingSite[]): Node {
  const item = compileListItem(s, path, sites, false);
  return item as Node;
}

/** A string; in a list (`inList`), `"...${x}"` becomes a splice. */
function compileListItem(s: string, path: BindingKeyPath, sites: BindingSite[], inList: boolean): ListItem {
  if (!s.includes("$")) return { kind: "const", value: s };
  const parts = scanString(s, path, sites);
  const [first, second] = parts;
  if (parts.length === 0) return { kind: "const", value: "" };
  if (parts.length === 1 && typeof first === "string") return { kind: "const", value: first };
  if (parts.length === 1 && typeof first !== "string" && s.startsWith("${"))
    return { kind: "whole", site: first! };
  if (
    inList &&
    parts.length === 2 &&
    first === "..." &&
    typeof second === "object" &&
    s.startsWith("...${")
  ) {
    return { kind: "splice", site: second };
  }
  return { kind: "text", parts, path };
}

/** Splits a string into literal text and bindings, undoing `$${` escapes. */
function scanString(s: string, path: BindingKeyPath, sites: BindingSite[]): Part[] {
  const parts: Part[] = [];
  let text = "";
  let i = 0;
  for (;;) {
    const dollar = s.indexOf("$", i);
    if (dollar < 0) break;
    if (s.startsWith("$${", dollar)) {
      text += s.slice(i, dollar) + "${";
      i = dollar + 3;
      continue;
    }
    if (s[dollar + 1] !== "{") {
      text += s.slice(i, dollar + 1);
      i = dollar + 1;
      continue;
    }
    text += s.slice(i, dollar);
    if (text) parts.push(text);
    text = "";
    const base = dollar + 2;
    let parsed: { expr: Expr; end: number };
    try {
      parsed = parseEmbedded(s, base);
    } catch (e) {
      if (!(e instanceof SyntaxFailure)) throw e;
      const close = s.indexOf("}", Math.max(e.offset, base));
      const expression = s.slice(base, close < 0 ? s.length : close);
      const offset = Math.min(Math.max(0, e.offset - base), expression.length);
      throw new BindingError(e.reason, expression, { offset, path });
    }
    const site: BindingSite = { expr: parsed.expr, expression: s.slice(base, parsed.end - 1), base, path };
    sites.push(site);
    parts.push(site);
    i = parsed.end;
  }
  text += s.slice(i);
  if (text) parts.push(text);
  return parts;
}

function compileList(list: readonly unknown[], path: BindingKeyPath, sites: BindingSite[]): Node {
  const items = list.map((item, i): ListItem => {
    const itemPath = [...path, i];
    return typeof item === "string"
      ? compileListItem(item, itemPath, sites, true)
      : compileValue(item, itemPath, sites);
  });
  if (items.every((n) => n.kind === "const")) {
    const values = items.map((n) => (n as { value: unknown }).value);
    return { kind: "const", value: values.every((v, i) => v === list[i]) ? list : values };
  }
  return { kind: "list", items };
}

function compileMap(map: Record<string, unknown>, path: BindingKeyPath, sites: BindingSite[]): Node {
  const entries: MapEntry[] = [];
  const keys = new Set<string>();
  for (const key of Object.keys(map)) {
    const value = map[key];
    const keyPath = [...path, key];
    if (key === SPREAD_KEY) {
      const node = typeof value === "string" ? compileString(value, keyPath, sites) : undefined;
      if (node?.kind !== "whole") {
        throw new BindingError(
          `the value of a "..." key must be exactly one binding, e.g. "...": \${input.extra}`,
          typeof value === "string" ? value : String(JSON.stringify(value)),
          { path: keyPath },
        );
      }
      entries.push({ spread: node.site });
    } else {
      keys.add(key);
      entries.push({ key, node: compileValue(value, keyPath, sites) });
    }
  }
  if (entries.every((e) => "node" in e && e.node.kind === "const")) {
    let same = true;
    const out: Record<string, unknown> = {};
    for (const e of entries as { key: string; node: { value: unknown } }[]) {
      out[e.key] = e.node.value;
      if (e.node.value !== map[e.key]) same = false;
    }
    return { kind: "const", value: same ? map : out };
  }
  return { kind: "map", entries, keys };
}

/**
 * Renders a compiled template against a scope. Constant parts are returned as they are
 * (shared with the template's source), so treat the result as read-only.
 *
 * Whole-value strings `"${x}"` keep x's type (views become plain objects); map keys whose
 * value renders to undefined are left out. With `options.quote`, every substituted value
 * goes through `quote()` instead.
 *
 * @example
 * renderTemplate(compileTemplate("${input.n}"), { input: { n: 3 } });          // 3
 * renderTemplate(compileTemplate("n=${input.n}"), { input: { n: 3 } });        // "n=3"
 * renderTemplate(compileTemplate("echo ${input.s}"), { input: { s: "a b" } }, { quote: shellQuote }); // "echo 'a b'"
 * @throws BindingError (with `path`) for evaluation errors and missing interpolated values.
 */
export function renderTemplate(t: Template, scope: Scope, options?: RenderOptions): unknown {
  return renderNode(compiled(t).root, scope, options?.quote);
}

function evalSite(site: BindingSite, scope: Scope): unknown {
  try {
    return evaluate(site.expr, scope);
  } catch (e) {
    if (e instanceof BindingError) throw e.at(site.path);
    throw e;
  }
}

function missing(site: BindingSite): BindingError {
  return new BindingError(
    'the value is missing (undefined); add a default with "| value" if it is optional',
    site.expression,
    { path: site.path },
  );
}

function substitute(site: BindingSite, scope: Scope, quote: Quote | undefined): string {
  const value = unwrap(evalSite(site, scope));
  if (value === undefined) throw missing(site);
  return quote ? quote(materialize(value), site.expression) : toText(value);
}

function renderNode(node: Node, scope: Scope, quote: Quote | undefined): unknown {
  switch (node.kind) {
    case "const":
      return node.value;
    case "whole":
      if (quote) return substitute(node.site, scope, quote);
      return materialize(evalSite(node.site, scope));
    case "text": {
      let out = "";
      for (const part of node.parts) out += typeof part === "string" ? part : substitute(part, scope, quote);
      return out;
    }
    case "list": {
      const out: unknown[] = [];
      for (const item of node.items) {
        if (item.kind !== "splice") {
          out.push(renderNode(item, scope, quote));
          continue;
        }
        const value = unwrap(evalSite(item.site, scope));
        if (value === undefined || value === null) continue;
        if (!Array.isArray(value)) {
          throw new BindingError(
            `"...\${}" in a list needs a list, but found ${describeValue(value)}`,
            item.site.expression,
            {
              path: item.site.path,
            },
          );
        }
        for (const v of value) out.push(quote ? quote(v, item.site.expression) : v);
      }
      return out;
    }
    case "map": {
      const out: Record<string, unknown> = {};
      for (const entry of node.entries) {
        if ("key" in entry) {
          const value = renderNode(entry.node, scope, quote);
          if (value !== undefined) out[entry.key] = value;
          continue;
        }
        const value = unwrap(evalSite(entry.spread, scope));
        if (value === undefined || value === null) continue;
        const keys = keysOf(value);
        if (!keys) {
          throw new BindingError(
            `"..." in a map needs a map, but found ${describeValue(value)}`,
            entry.spread.expression,
            {
              path: entry.spread.path,
            },
          );
        }
        for (const key of keys) {
          if (node.keys.has(key)) continue;
          const v = materialize(readMember(value, key));
          if (v !== undefined) out[key] = quote ? quote(v, entry.spread.expression) : v;
        }
      }
      return out;
    }
  }
}
