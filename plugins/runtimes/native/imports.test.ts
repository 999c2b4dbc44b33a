/**
 * The native runtime reaches the core only through the plugin API (runtime/plugins.ts,
 * re-exported by mod.ts): the controller's lifecycle comes to it as `context.local`.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

test("plugins/runtimes/native imports nothing of the core but the plugin API", () => {
  const dir = import.meta.dir;
  const found: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
    const text = readFileSync(path.join(dir, file), "utf8");
    for (const m of text.matchAll(IMPORT)) {
      const target = m[1];
      if (!target.startsWith(".")) continue;
      const resolved = path.relative(path.resolve(dir, "../../.."), path.resolve(dir, target));
      if (!resolved.startsWith(path.join("plugins", "runtimes", "native")))
        found.push(`${file}: ${resolved}`);
    }
  }
  expect(found.sort()).toEqual(["index.ts: runtime/plugins.ts", "native-runtime.ts: runtime/plugins.ts"]);
});
