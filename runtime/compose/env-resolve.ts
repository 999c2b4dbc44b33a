/**
 * `${env.X}` at load time. Values whose bindings read only `env` (the controller,
 * loggers, plugin paths, and everything `config` prints) are resolved once, here.
 * A variable that is missing without a default is reported, not fatal: it fails the
 * `up` or run that needs it (MissingEnv), and only warns when merely mentioned.
 */
import {
  BindingError,
  collectReferences,
  compileTemplate,
  hasOnlySources,
  isBindingString,
  renderTemplate,
  soleSimpleSource,
  type Template,
} from "../binding/mod.ts";
import { ConfigError, formatKeyPath, formatLocation, type KeyPath } from "../errors.ts";
import { locatePath } from "./locations.ts";
import type { MissingEnv } from "./model.ts";

/** True when the expression gives a default (`| ...`) somewhere, so a missing value is fine. */
function hasDefault(expression: string): boolean {
  return /(^|[^|])\|(?!\|)/.test(expression.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ""));
}

/**
 * Environment variables `template` needs (no default) that `env` does not have.
 * `where(keyPath)` describes a key path inside the template (the string that uses it).
 */
export function missingEnvOf(
  template: Template,
  env: Readonly<Record<string, string>>,
  where: (inner: KeyPath) => string,
): MissingEnv[] {
  const out: MissingEnv[] = [];
  for (const ref of collectReferences(template)) {
    if (ref.source !== "env") continue;
    const name = ref.path[0];
    if (typeof name !== "string" || env[name] !== undefined || hasDefault(ref.expression)) continue;
    out.push({ name, where: where(ref.keyPath) });
  }
  return out;
}

export function describeWhere(root: unknown, keyPath: KeyPath): string {
  return [formatLocation(locatePath(root, keyPath)), formatKeyPath(keyPath)].filter(Boolean).join(" ");
}

export interface ResolveOptions {
  /** Report bindings that read anything but `env` (sections resolved at load time). */
  envOnly?: boolean;
  /** Write `${` in the resolved text as `$${`, so the result reads back as the same text. */
  escape?: boolean;
  /** Values to leave as written. */
  skip?: (path: KeyPath) => boolean;
}

/**
 * Replaces, in place, every string under `value` whose bindings read only `env` and
 * can be resolved. Returns the (possibly replaced) value, what could not be resolved,
 * and the bindings that are wrong here (syntax errors; other sources with `envOnly`).
 */
export function resolveEnvStrings(
  root: unknown,
  value: unknown,
  basePath: KeyPath,
  env: Readonly<Record<string, string>>,
  options: ResolveOptions = {},
): { value: unknown; missing: MissingEnv[]; errors: ConfigError[] } {
  const missing: MissingEnv[] = [];
  const errors: ConfigError[] = [];
  const fail = (reason: string, at: KeyPath) =>
    errors.push(new ConfigError(reason, locatePath(root, at), [...at]));
  // One key path for the whole walk, grown and shrunk as it goes: a copy for every value
  // of the document was most of the walk's cost in `config` of a large file. It is
  // copied where it is kept (an error, a missing variable).
  const path: Array<string | number> = [...basePath];
  const visit = (container: Record<string | number, unknown>, key: string | number) => {
    const v = container[key];
    if (options.skip?.(path)) return;
    if (typeof v === "string") {
      if (!isBindingString(v)) return;
      // `${jobs.a.output}` and the like, most strings of a large file: another source,
      // so left as written, known without compiling the string (`config` compiled every
      // binding of the file a second time here).
      if (!options.envOnly) {
        const source = soleSimpleSource(v);
        if (source !== undefined && source !== "env") return;
      }
      let t: Template;
      try {
        t = compileTemplate(v);
      } catch (error) {
        if (!(error instanceof BindingError)) throw error;
        fail(error.message, path);
        return;
      }
      if (!hasOnlySources(t, ["env"])) {
        if (options.envOnly) {
          const other = collectReferences(t).find((r) => r.source !== "env");
          fail(
            `\${${other?.expression}}: only \${env.NAME} can be used here (this value is needed before any run)`,
            path,
          );
        }
        return;
      }
      const places: KeyPath[] = [];
      const absent = missingEnvOf(t, env, (inner) => {
        places.push([...path, ...inner]);
        return describeWhere(root, [...path, ...inner]);
      });
      absent.forEach((m, i) => {
        m.keyPath = places[i];
        m.location = locatePath(root, places[i]);
      });
      if (absent.length) {
        missing.push(...absent);
        return;
      }
      const resolved = renderTemplate(t, { env });
      container[key] =
        options.escape && typeof resolved === "string" ? resolved.replaceAll("${", () => "$${") : resolved;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        visit(v as unknown as Record<number, unknown>, i);
        path.pop();
      }
    } else if (v && typeof v === "object") {
      for (const k of Object.keys(v)) {
        path.push(k);
        visit(v as Record<string, unknown>, k);
        path.pop();
      }
    }
  };
  const holder: Record<string, unknown> = { value };
  visit(holder, "value");
  return { value: holder.value, missing, errors };
}
