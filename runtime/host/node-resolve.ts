/**
 * Finds an installed package the way an ES module import from `fromDir` would: the
 * nearest `node_modules/<name>` up the tree, then its `exports` (conditions deno,
 * import, module, node, default), else `module`, `main`, `index.js`. Used where the
 * runtime has no resolver that takes a directory (Deno's `import.meta.resolve` only
 * resolves from the calling module).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const CONDITIONS = new Set(["deno", "import", "module", "node", "default"]);
const EXTENSIONS = ["", ".js", ".mjs", ".ts", ".mts", "/index.js", "/index.mjs", "/index.ts"];

interface PackageJson {
  exports?: unknown;
  module?: string;
  main?: string;
}

/** The file an import of `specifier` from `fromDir` loads, or undefined when none is installed. */
export function resolveFromNodeModules(specifier: string, fromDir: string): string | undefined {
  const parts = specifier.split("/");
  const nameLength = specifier.startsWith("@") ? 2 : 1;
  if (parts.length < nameLength || parts.some((p) => p === "")) return undefined;
  const name = parts.slice(0, nameLength).join("/");
  const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join("/")}` : ".";
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    const pkgDir = path.join(dir, "node_modules", name);
    const manifest = path.join(pkgDir, "package.json");
    if (existsSync(manifest)) return resolveInPackage(pkgDir, manifest, subpath);
    if (path.dirname(dir) === dir) return undefined;
  }
}

function resolveInPackage(pkgDir: string, manifest: string, subpath: string): string | undefined {
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(readFileSync(manifest, "utf8")) as PackageJson;
  } catch {
    return undefined;
  }
  if (pkg.exports !== undefined && pkg.exports !== null) {
    const target = exportTarget(pkg.exports, subpath);
    return target === undefined ? undefined : existing(path.join(pkgDir, target));
  }
  if (subpath === ".") return probe(path.join(pkgDir, pkg.module ?? pkg.main ?? "index.js"));
  return probe(path.join(pkgDir, subpath));
}

function exportTarget(exports: unknown, subpath: string): string | undefined {
  const isSubpathMap =
    typeof exports === "object" &&
    !Array.isArray(exports) &&
    Object.keys(exports as object).some((k) => k.startsWith("."));
  if (!isSubpathMap) return subpath === "." ? conditional(exports) : undefined;
  const map = exports as Record<string, unknown>;
  if (subpath in map) return conditional(map[subpath]);
  // One `*` pattern per key, as packages use it: "./features/*": "./dist/features/*.js".
  for (const [key, value] of Object.entries(map)) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const [before, after] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.startsWith(before) && subpath.endsWith(after) && subpath.length >= key.length - 1) {
      const match = subpath.slice(before.length, subpath.length - after.length);
      return conditional(value)?.replaceAll("*", match);
    }
  }
  return undefined;
}

function conditional(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const found = conditional(t);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (target && typeof target === "object") {
    for (const [condition, value] of Object.entries(target)) {
      if (!CONDITIONS.has(condition)) continue;
      const found = conditional(value);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function existing(file: string): string | undefined {
  return existsSync(file) ? file : undefined;
}

function probe(base: string): string | undefined {
  for (const ext of EXTENSIONS) {
    const file = base + ext;
    try {
      if (statSync(file).isFile()) return file;
    } catch {}
  }
  return undefined;
}
