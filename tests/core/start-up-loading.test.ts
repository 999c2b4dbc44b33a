// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * `run` from source starts fast because it loads only the dependencies a run uses.
 * These tests run the real CLI in a fresh Bun process and read which packages it
 * loaded (Bun's require.cache), so a change that loads one eagerly again fails here.
 */
import { describe, expect, test } from "bun:test";
import * as path from "node:path";
import { baseEnv, cliPath, project, writeFiles } from "./helpers.ts";

const PLAIN = "workflow:\n  component: logger\n  input: ${input}\n";

interface Probe {
  code: number;
  stdout: string;
  stderr: string;
  /** Package names under node_modules that the process loaded. */
  loaded: string[];
}

/** Runs `model-compose ARGS` in `dir` through cli.ts's `main`, then lists the loaded packages. */
async function probe(dir: string, args: string[]): Promise<Probe> {
  const script = path.join(dir, "probe.ts");
  writeFiles(dir, {
    "probe.ts": [
      `const { main } = await import(${JSON.stringify(cliPath)});`,
      `const code = await main(${JSON.stringify(args)});`,
      "const names = Object.keys(require.cache)",
      `  .filter((k) => k.includes("/node_modules/"))`,
      `  .map((k) => k.split("/node_modules/").pop().split("/")[0]);`,
      `process.stderr.write("\\nLOADED " + JSON.stringify([...new Set(names)].sort()) + "\\n");`,
      "process.exitCode = code;",
    ].join("\n"),
  });
  const proc = Bun.spawn(["bun", "--no-env-file", script], {
    cwd: dir,
    env: baseEnv(),
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const line = stderr.split("\n").find((l) => l.startsWith("LOADED "));
  if (!line) throw new Error(`the probe did not finish (exit ${code}):\n${stderr}`);
  return { code, stdout, stderr, loaded: JSON.parse(line.slice("LOADED ".length)) };
}

describe("what a run from source loads", () => {
  test("a plain file, no env file, nothing logged: no yaml, pino, dotenv or argument library", async () => {
    const r = await probe(project(PLAIN), ["run", "-i", '{"x":1}']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ x: 1 });
    for (const pkg of ["yaml", "pino", "dotenv", "commander", "ulid", "log-update", "cli-spinners"])
      expect(r.loaded).not.toContain(pkg);
  });

  test("a controller with a run queue: run loads neither BullMQ nor its Redis client", async () => {
    const text = `controller:\n  queue:\n    driver: redis\n    url: redis://127.0.0.1:1\n${PLAIN}`;
    const r = await probe(project(text), ["run", "-i", '{"x":1}']);
    expect(r.code).toBe(0);
    for (const pkg of ["bullmq", "ioredis"]) expect(r.loaded).not.toContain(pkg);
  });

  test("a configuration error reads positions with yaml, and names file:line:column", async () => {
    const dir = project("workflow:\n  component: logger\n  input: ${input}\n  bogus: 1\n");
    const r = await probe(dir, ["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error: ${path.join(dir, "model-compose.yml")}:4:3: workflows[0].jobs[0].bogus: unknown key "bogus"`,
    );
    expect(r.loaded).toContain("yaml");
  });

  test("duplicate keys go to yaml, which refuses them", async () => {
    const dir = project(`${PLAIN}workflow:\n  component: logger\n`);
    const r = await probe(dir, ["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      ':4:1: workflow: duplicate key "workflow" (first written at line 1, column 1)',
    );
    expect(r.loaded).toContain("yaml");
  });

  test("a line that passes the level filter loads pino and is written", async () => {
    const r = await probe(project(PLAIN), ["run", "-v", "-i", '{"x":1}']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('"msg":"run started"');
    expect(r.loaded).toContain("pino");
  });

  test("an env file loads dotenv, and its values are used", async () => {
    const dir = project("workflow:\n  component: logger\n  input:\n    name: ${env.NAME}\n", {
      ".env": "NAME=from-dotenv\n",
    });
    const r = await probe(dir, ["run"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: "from-dotenv" });
    expect(r.loaded).toContain("dotenv");
  });
});
