/**
 * The native runtime reaches the core only through its stated API, runtime/plugin-api.ts
 * (what mod.ts exports): the controller's lifecycle comes to it as `context.local`.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

test("plugins/runtimes/native imports nothing of the core but runtime/plugin-api.ts", () => {
  const dir = import.meta.dir;
  const root = path.resolve(dir, "../../..");
  const found: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
    const text = readFileSync(path.join(dir, file), "utf8");
    for (const m of text.matchAll(IMPORT)) {
      if (!m[1].startsWith(".")) continue;
      const target = path.relative(root, path.resolve(dir, m[1]));
      if (!target.startsWith(path.join("plugins", "runtimes", "native"))) found.push(`${file}: ${target}`);
    }
  }
  expect(found.sort()).toEqual([
    "index.ts: runtime/plugin-api.ts",
    "native-runtime.ts: runtime/plugin-api.ts",
  ]);
});
