/**
 * The host module under Deno: Deno.serve behind `serve` (a free port, a taken port as
 * EADDRINUSE, stop), how the program re-runs itself, resolving installed packages
 * from a directory as an ES module import would, and telling a terminal from a pipe.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  host,
  isCompiledBinary,
  mainModule,
  resolveModule,
  runtimeName,
  selfCommand,
  serve,
  sleep,
} from "../../runtime/host/mod.ts";
import { denoCli, repoRoot, stripAnsi, tempDir, test, writeFiles } from "./helpers.ts";

test("the Deno implementation is chosen", () => {
  assert.equal(runtimeName(), "deno");
  assert.equal(host.name, "deno");
  assert.equal(isCompiledBinary(), false);
  assert.equal(host.registerModules("x", { x: {} }), false);
});

test("selfCommand: deno run -A with the repository's deno.json and the entry module", () => {
  const argv = selfCommand();
  assert.deepEqual(argv.slice(1, 5), ["run", "-A", "--config", path.join(repoRoot, "deno.json")]);
  assert.equal(argv[0], process.execPath);
  assert.equal(argv[5], mainModule());
  assert.equal(argv.length, 6);
});

test("serve: a free port, requests reach fetch, a taken port is EADDRINUSE, stop", async () => {
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => Response.json({ path: new URL(req.url).pathname, method: req.method }),
  });
  try {
    assert.ok(server.port > 0);
    const res = await fetch(`http://127.0.0.1:${server.port}/a/b`, { method: "POST", body: "x" });
    assert.deepEqual(await res.json(), { path: "/a/b", method: "POST" });
    let error: unknown;
    try {
      const second = serve({ hostname: "127.0.0.1", port: server.port, fetch: () => new Response("") });
      await second.stop(true);
    } catch (e) {
      error = e;
    }
    assert.equal((error as { code?: string } | undefined)?.code, "EADDRINUSE");
  } finally {
    await server.stop(true);
  }
  await assert.rejects(fetch(`http://127.0.0.1:${server.port}/`));
});

test("sleep waits", async () => {
  const t0 = performance.now();
  await sleep(50);
  assert.ok(performance.now() - t0 >= 45);
});

test("resolveModule: node_modules up the tree, exports conditions, subpaths, main", async () => {
  const root = tempDir();
  writeFiles(root, {
    "node_modules/cond/package.json": JSON.stringify({
      name: "cond",
      type: "module",
      exports: {
        ".": { types: "./index.d.ts", require: "./index.cjs", import: "./index.js" },
        "./feature/*": { default: "./lib/*.js" },
      },
    }),
    "node_modules/cond/index.js": "export default 'esm';\n",
    "node_modules/cond/index.cjs": "module.exports = 'cjs';\n",
    "node_modules/cond/lib/extra.js": "export default 'extra';\n",
    "node_modules/@scope/old/package.json": JSON.stringify({ name: "@scope/old", main: "main" }),
    "node_modules/@scope/old/main.js": "export default 'main';\n",
    "project/sub/.keep": "",
  });
  const from = path.join(root, "project", "sub");
  const url = (file: string) => pathToFileURL(path.join(root, "node_modules", file)).href;
  assert.equal(resolveModule("cond", from), url("cond/index.js"));
  assert.equal(resolveModule("cond/feature/extra", from), url("cond/lib/extra.js"));
  assert.equal(resolveModule("@scope/old", from), url("@scope/old/main.js"));
  assert.equal((await import(resolveModule("cond", from))).default, "esm");
  assert.equal((await import(resolveModule("cond/feature/extra", from))).default, "extra");
  // Deno's own specifiers pass through; unknown packages fail.
  assert.equal(resolveModule("npm:valibot", from), "npm:valibot");
  assert.throws(() => resolveModule("no-such-package-anywhere", from));
});

test("isTerminal: false for the test's pipes, true for each descriptor on a pseudo-terminal", () => {
  const dir = tempDir();
  const program = path.join(dir, "terminal.ts");
  writeFiles(dir, {
    "terminal.ts": `import { isTerminal } from ${JSON.stringify(path.join(repoRoot, "runtime/host/mod.ts"))};\nconsole.log(JSON.stringify([isTerminal(0), isTerminal(1), isTerminal(2)]));\n`,
  });
  const deno = [...denoCli().slice(0, 3), "--config", path.join(repoRoot, "deno.json"), program];
  const piped = spawnSync(deno[0], deno.slice(1), { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
  assert.equal(piped.stdout.trim(), "[false,false,false]", piped.stderr);
  // `script` gives the program a pseudo-terminal for all three.
  const quoted = deno.map((a) => `'${a}'`).join(" ");
  const onPty = spawnSync("script", ["-qec", quoted, "/dev/null"], { encoding: "utf8" });
  assert.match(stripAnsi(onPty.stdout), /\[true,true,true\]/, onPty.stderr);
});
