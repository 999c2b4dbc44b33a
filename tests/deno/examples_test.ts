// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Under Deno: the public API (`model-compose` -> mod.ts) loads and runs the examples,
 * and the CLI prints the same results.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { loadProject, runWorkflow, VERSION } from "model-compose";
import { repoRoot, runCli, test } from "./helpers.ts";

const example = (name: string) => path.join(repoRoot, "examples", name, "model-compose.yml");

test("examples/timed-workflow: loads and runs through runWorkflow", async () => {
  const project = await loadProject({
    files: [example("timed-workflow")],
    processEnv: { PATH: process.env.PATH },
  });
  assert.deepEqual([...project.workflows.keys()], ["timed-workflow"]);
  const result = await runWorkflow(project, undefined, {});
  const message = (result.output as { message: string }).message;
  const ms = Number(/^Execution time: (\d+)ms$/.exec(message)?.[1]);
  assert.ok(ms >= 150 && ms < 5000, message);
  assert.deepEqual(
    result.jobs.map((j) => [j.id, j.status]),
    [
      ["start-time", "completed"],
      ["process", "completed"],
      ["end-time", "completed"],
      ["log-duration", "completed"],
    ],
  );
});

test("examples/plugins: a plugin file importing model-compose and valibot", async () => {
  const project = await loadProject({ files: [example("plugins")], processEnv: {} });
  const result = await runWorkflow(project, undefined, { text: "deno and bun" });
  assert.deepEqual(result.output, { text: "DENO AND BUN", length: 12 });
});

test("examples/logging: logger jobs around an http-client call to a local server", async () => {
  const seen: { method?: string; body?: string } = {};
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.method = req.method;
      seen.body = body;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ echoed: JSON.parse(body || "null") }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const project = await loadProject({
      files: [example("logging")],
      processEnv: { API_BASE_URL: `http://127.0.0.1:${port}` },
    });
    const result = await runWorkflow(project, undefined, { q: "ping" });
    assert.equal(seen.method, "POST");
    assert.deepEqual(JSON.parse(seen.body ?? ""), { q: "ping" });
    // The last job is a logger: its output is its input.
    assert.deepEqual(result.output, { message: "Workflow completed" });
    assert.deepEqual(result.jobs.find((j) => j.id === "api-call")?.status, "completed");
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test("cli: run -f examples/timed-workflow prints the output as JSON, exit 0", async () => {
  const r = await runCli(["run", "-f", example("timed-workflow")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(JSON.parse(r.stdout).message, /^Execution time: \d+ms$/);
});

test("cli: --version and config", async () => {
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), `model-compose ${VERSION} (source)`);

  const config = await runCli(["config", "--format", "json", "-f", example("timed-workflow")]);
  assert.equal(config.code, 0, config.stderr);
  const doc = JSON.parse(config.stdout);
  assert.deepEqual(
    doc.components.map((c: { id: string }) => c.id),
    ["api-client", "logger"],
  );
});
