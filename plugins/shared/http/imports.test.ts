/**
 * The HTTP components and their shared sending reach the core only through the plugin
 * API (runtime/plugin-api.ts, all of it exported by mod.ts), and each other only through
 * plugins/shared: prometheus-push does not reach into http-client.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;
const root = path.resolve(import.meta.dir, "../../..");

/** Every relative import of the non-test files of `dir` that leaves it, as repo paths. */
function importsLeaving(dir: string): string[] {
  const found: string[] = [];
  const abs = path.join(root, dir);
  for (const file of readdirSync(abs).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
    for (const m of readFileSync(path.join(abs, file), "utf8").matchAll(IMPORT)) {
      if (!m[1].startsWith(".")) continue;
      const target = path.relative(root, path.resolve(abs, m[1]));
      if (!target.startsWith(dir)) found.push(target);
    }
  }
  return [...new Set(found)].sort();
}

test.each([
  ["plugins/shared/http", ["runtime/plugin-api.ts"]],
  [
    "plugins/components/http-client",
    [
      "plugins/shared/http/request.ts",
      "plugins/shared/http/retry.ts",
      "plugins/shared/http/send.ts",
      "runtime/plugin-api.ts",
    ],
  ],
  [
    "plugins/components/prometheus-push",
    [
      "plugins/shared/http/request.ts",
      "plugins/shared/http/retry.ts",
      "plugins/shared/http/send.ts",
      "runtime/plugin-api.ts",
    ],
  ],
])("%s imports nothing of the core but the plugin API", (dir, allowed) => {
  expect(importsLeaving(dir)).toEqual(allowed);
});
