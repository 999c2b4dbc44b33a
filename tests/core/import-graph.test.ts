/**
 * The core stays a core: nothing under runtime/ imports a plugin, mod.ts or an entry
 * file, statically or with import(). The composition roots (cli.ts, mod.ts, worker.ts)
 * choose the plugins and pass them in.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(import.meta.dir, "../..");
const RUNTIME = path.join(ROOT, "runtime");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

const transpiler = new Bun.Transpiler({ loader: "ts" });

/** Every relative import of `file` that resolves outside runtime/, as "file -> target". */
function escapes(file: string): string[] {
  const found: string[] = [];
  for (const { path: spec } of transpiler.scanImports(readFileSync(file, "utf8"))) {
    // Data files (package.json for the version) are not code.
    if (!spec.startsWith(".") || spec.endsWith(".json")) continue;
    const target = path.resolve(path.dirname(file), spec);
    // A unit test beside its module may use the tests' helpers (a database per test file).
    const testSupport =
      file.endsWith(".test.ts") && target.startsWith(path.join(ROOT, "tests", "support") + path.sep);
    if (!testSupport && target !== RUNTIME && !target.startsWith(RUNTIME + path.sep)) {
      found.push(`${path.relative(ROOT, file)} -> ${path.relative(ROOT, target)}`);
    }
  }
  return found;
}

test("nothing under runtime/ imports from outside runtime/ (plugins/, mod.ts, entries)", () => {
  const files = sources(RUNTIME);
  expect(files.length).toBeGreaterThan(50);
  expect(files.flatMap(escapes)).toEqual([]);
});

test("the check sees dynamic imports too", () => {
  const probe = 'const m = await import("../plugins/builtin.ts"); import "../mod.ts";';
  const specs = transpiler.scanImports(probe).map((i) => i.path);
  expect(specs).toEqual(expect.arrayContaining(["../plugins/builtin.ts", "../mod.ts"]));
});
