/**
 * Relative host paths in the merged document (plugins, file loggers, docker build
 * context, env_file and bind volumes) -> absolute, each against the directory of the
 * file that wrote it. Runs after load-time `${env...}` resolution, so a path written
 * as `${env.LOG_DIR}/app.log` is resolved once its value is known; the file a value
 * came from is read from its recorded position (locations.ts), which survives merging.
 */
import * as path from "node:path";
import { isBindingString } from "../binding/mod.ts";
import { locateFile } from "./locations.ts";
import { isPlainObject } from "./merge.ts";

type Obj = Record<string | number, unknown>;

/**
 * The home directory. node:os is loaded only for a `~` path: importing it at start-up
 * cost every command about 1.5 ms.
 */
const homedir = () => (process.getBuiltinModule("node:os") as typeof import("node:os")).homedir();

/** `~` and `~/x` are the home directory; other relative paths resolve against `dir`. */
export function absolutePath(p: string, dir: string): string {
  if (p === "~" || p.startsWith("~/")) return path.join(homedir(), p.slice(1));
  return path.resolve(dir, p);
}

/** Resolves `container[key]` in place when it is a relative path without bindings. */
function resolveAt(
  container: Obj,
  key: string | number,
  fallbackDir: string,
  test = (_p: string) => true,
): void {
  const value = container[key];
  if (typeof value !== "string" || value === "" || isBindingString(value) || !test(value)) return;
  const file = locateFile(container, key);
  container[key] = absolutePath(value, file ? path.dirname(file) : fallbackDir);
}

/** Plugin specifiers that are files rather than package names. */
function isPluginPath(p: string): boolean {
  return (
    p.startsWith("./") ||
    p.startsWith("../") ||
    p.startsWith("/") ||
    p.startsWith("~/") ||
    /\.[cm]?[jt]s$/.test(p)
  );
}

/** A short volume `src:dst[:mode]` whose source is a host path (not a named volume). */
function resolveShortVolume(list: unknown[], i: number, fallbackDir: string): void {
  const vol = list[i];
  if (typeof vol !== "string" || isBindingString(vol) || !(vol.startsWith(".") || vol.startsWith("~")))
    return;
  const [src, ...rest] = vol.split(":");
  const file = locateFile(list, i);
  list[i] = [absolutePath(src, file ? path.dirname(file) : fallbackDir), ...rest].join(":");
}

function resolveRuntime(runtime: Obj, fallbackDir: string): void {
  // `build: DIR` is the short form of `build: { context: DIR }`.
  if (typeof runtime.build === "string") resolveAt(runtime, "build", fallbackDir);
  else if (isPlainObject(runtime.build)) resolveAt(runtime.build, "context", fallbackDir);
  if (typeof runtime.env_file === "string") resolveAt(runtime, "env_file", fallbackDir);
  else if (Array.isArray(runtime.env_file)) {
    const files = runtime.env_file;
    for (let i = 0; i < files.length; i++) resolveAt(files as unknown as Obj, i, fallbackDir);
  }
  if (Array.isArray(runtime.volumes)) {
    const volumes = runtime.volumes;
    for (let i = 0; i < volumes.length; i++) {
      const vol = volumes[i];
      if (isPlainObject(vol) && (vol.type ?? "bind") === "bind") resolveAt(vol, "source", fallbackDir);
      else resolveShortVolume(volumes, i, fallbackDir);
    }
  }
}

/** Makes every relative host path in the merged document absolute, in place. */
export function resolveDocumentPaths(doc: Obj, fallbackDir: string): void {
  if (Array.isArray(doc.plugins)) {
    const plugins = doc.plugins as unknown as Obj;
    for (let i = 0; i < (doc.plugins as unknown[]).length; i++)
      resolveAt(plugins, i, fallbackDir, isPluginPath);
  }
  if (Array.isArray(doc.logger)) {
    for (const l of doc.logger) if (isPlainObject(l)) resolveAt(l, "path", fallbackDir);
  }
  const controller = doc.controller;
  if (isPlainObject(controller) && isPlainObject(controller.runtime))
    resolveRuntime(controller.runtime, fallbackDir);
}
