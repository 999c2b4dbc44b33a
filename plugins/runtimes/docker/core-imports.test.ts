/**
 * The docker runtime reaches the core only through its stated API, runtime/plugin-api.ts
 * (what mod.ts exports): a change inside the core cannot break it unnoticed.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const here = import.meta.dir;
/** Outside this directory, only these may be imported: the plugin API and the build script that compiles the executable for the image. */
const ALLOWED = new Set(["runtime/plugin-api.ts", "scripts/build.ts"]);

test("every import of the core goes through runtime/plugin-api.ts", () => {
  const root = path.resolve(here, "../../..");
  const offending: string[] = [];
  const files = readdirSync(here).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  expect(files.length).toBeGreaterThan(5);
  for (const file of files) {
    const text = readFileSync(path.join(here, file), "utf8");
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      const spec = m[1];
      if (!spec.startsWith(".")) continue;
      const target = path.relative(root, path.resolve(here, spec));
      if (!target.startsWith("plugins/runtimes/docker/") && !ALLOWED.has(target)) {
        offending.push(`${file}: ${spec}`);
      }
    }
  }
  expect(offending).toEqual([]);
});
