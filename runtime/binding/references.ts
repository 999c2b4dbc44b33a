/**
 * Load-time questions about a compiled template: which sources and paths it reads
 * (`collectReferences`), whether it only reads some sources (`hasOnlySources`), and
 * whether its sources and method calls are valid where it sits (`checkTemplate`).
 */

import { closest } from "../errors.ts";
import type { Expr, Segment, TypeSpec } from "./ast.ts";
import { BindingError } from "./errors.ts";
import { checkCall } from "./methods.ts";
import { rootInfo } from "./parser.ts";
import { type BindingSite, sitesOf, type Template } from "./template.ts";

/** One read of a source, with its path as far as it is static. */
export interface Reference {
  /** The first name: `input`, `env`, `jobs`, ... */
  source: string;
  /** Static member keys after the source; `"*"` for `[*]`; stops at the first method call. */
  path: (string | number | "*")[];
  /** The text between `${` and `}` of the binding that holds the reference. */
  expression: string;
  /** Key path of the string inside the template's value. */
  keyPath: (string | number)[];
}

const references = new WeakMap<Template, Reference[]>();

/**
 * Every source reference in the template, in document order.
 *
 * @example
 * collectReferences(compileTemplate({ a: "${jobs.a.output.x | 0}" }));
 * // [{ source: "jobs", path: ["a", "output", "x"], expression: "jobs.a.output.x | 0", keyPath: ["a"] }]
 */
export function collectReferences(t: Template): Reference[] {
  let out = references.get(t);
  if (!out) {
    out = [];
    for (const site of sitesOf(t)) {
      const keyPath = [...site.path];
      walk(site.expr, (source, path) => out!.push({ source, path, expression: site.expression, keyPath }));
    }
    references.set(t, out);
  }
  return out;
}

/**
 * True when every reference in the template reads one of `sources` (also for templates
 * without bindings).
 *
 * @example
 * hasOnlySources(compileTemplate("${env.PORT | 8080}"), ["env"]); // true
 */
export function hasOnlySources(t: Template, sources: readonly string[]): boolean {
  return collectReferences(t).every((r) => sources.includes(r.source));
}

/**
 * Static checks: every source must be one of `allowedSources`, every method call must
 * name a known method with the right number of arguments. Returns the problems found
 * (each with `path` set to the key path of its string). `advice` gives, per source known
 * elsewhere but not allowed here, what to write instead (the error's `note`).
 *
 * @example
 * checkTemplate(compileTemplate("${stdout}"), ["input", "env"]);
 * // [BindingError: unknown source "stdout"; allowed here: input, env at column 1 in ${stdout}]
 */
export function checkTemplate(
  t: Template,
  allowedSources: readonly string[],
  advice: Readonly<Record<string, string>> = {},
): BindingError[] {
  const errors: BindingError[] = [];
  for (const site of sitesOf(t)) {
    visit(site.expr, (node) => {
      if (node.kind === "source" && !allowedSources.includes(node.name)) {
        const hint = closest(node.name, allowedSources);
        const allowed = allowedSources.length ? allowedSources.join(", ") : "(none)";
        errors.push(
          problem(
            site,
            node.start,
            `unknown source "${node.name}"${hint ? ` (did you mean "${hint}"?)` : ""}; allowed here: ${allowed}`,
            Object.hasOwn(advice, node.name) ? advice[node.name] : undefined,
          ),
        );
      }
      if (node.kind === "access") {
        for (const segment of node.segments) {
          if (segment.kind !== "call") continue;
          const reason = checkCall(segment.method, segment.args.length);
          if (reason) errors.push(problem(site, segment.start, reason));
        }
      }
    });
  }
  return errors;
}

function problem(site: BindingSite, start: number, reason: string, note?: string): BindingError {
  return new BindingError(reason, site.expression, {
    offset: Math.max(0, start - site.base),
    path: site.path,
    note,
  });
}

/** The direct sub-expressions of a node. */
function children(node: Expr): Expr[] {
  switch (node.kind) {
    case "access": {
      // Most accesses are member names only (`jobs.a.output`): no arguments to visit.
      const out: Expr[] = [node.target];
      for (const s of node.segments) if (s.kind === "call") out.push(...s.args);
      return out;
    }
    case "unary":
      return [node.operand];
    case "binary":
      return [node.left, node.right];
    case "convert":
      return [node.target];
    case "default":
      return [node.target, node.fallback];
    default:
      return [];
  }
}

/** Calls `fn` on every node of the tree, parents first. */
function visit(node: Expr, fn: (node: Expr) => void): void {
  fn(node);
  for (const child of children(node)) visit(child, fn);
}

/** Reports every source read with its static path. */
function walk(node: Expr, report: (source: string, path: (string | number | "*")[]) => void): void {
  if (node.kind === "source") {
    report(node.name, []);
    return;
  }
  if (node.kind === "access" && node.target.kind === "source") {
    report(node.target.name, staticPath(node.segments));
    for (const child of children(node).slice(1)) walk(child, report);
    return;
  }
  for (const child of children(node)) walk(child, report);
}

function staticPath(segments: readonly Segment[]): (string | number | "*")[] {
  const path: (string | number | "*")[] = [];
  for (const s of segments) {
    if (s.kind === "call") break;
    path.push(s.kind === "wildcard" ? "*" : s.key);
  }
  return path;
}

/** What a binding of one input field says about it (see `inputHintsOf`). */
export interface InputFieldHint {
  description?: string;
  type?: string;
  options?: string[];
}

/**
 * For each `${input.X ...}` binding that reads one input field as a whole (possibly
 * converted with `as` and defaulted with `|`): its `@(description ...)` annotation and
 * its `as` type. The first binding that says something about a field wins.
 *
 * @example
 * inputHintsOf(compileTemplate("${input.size as select/s,m @(description Size)}"));
 * // { size: { description: "Size", type: "select", options: ["s", "m"] } }
 */
export function inputHintsOf(t: Template): Record<string, InputFieldHint> {
  const out: Record<string, InputFieldHint> = {};
  for (const site of sitesOf(t)) {
    let node = site.expr;
    let type: TypeSpec | undefined;
    for (;;) {
      if (node.kind === "default") node = node.target;
      else if (node.kind === "convert") {
        type ??= node.type;
        node = node.target;
      } else break;
    }
    if (node.kind !== "access" || node.target.kind !== "source" || node.target.name !== "input") continue;
    const first = node.segments[0];
    if (node.segments.length !== 1 || first?.kind !== "member" || typeof first.key !== "string") continue;
    const hint: InputFieldHint = {};
    const description = rootInfo(site.expr)?.annotations.find((a) => a.name === "description")?.value;
    if (description) hint.description = description;
    if (type) hint.type = type.list ? `${type.name}[]` : type.name;
    if (type?.options) hint.options = [...type.options];
    const known = out[first.key];
    out[first.key] = { ...hint, ...known };
  }
  return out;
}
