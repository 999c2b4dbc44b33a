// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * `model-compose run` end to end on the examples in examples/, plus `-o FILE` and
 * `--input @file.json`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot, runCli, tempDir, writeFiles } from "./helpers.ts";

const timed = path.join(repoRoot, "examples/timed-workflow/model-compose.yml");
const logging = path.join(repoRoot, "examples/logging/model-compose.yml");

describe("examples/timed-workflow", () => {
  test("prints the execution time of the work between the two timestamps", async () => {
    const r = await runCli(["run", "-f", timed]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const { message } = JSON.parse(r.stdout) as { message: string };
    const m = /^Execution time: (\d+)ms$/.exec(message);
    expect(m).not.toBeNull();
    // The work in between sleeps 200 ms.
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(150);
    expect(Number(m?.[1])).toBeLessThan(10_000);
  });

  test("runs by name from its own directory, without -f", async () => {
    const r = await runCli(["run", "timed-workflow"], { cwd: path.dirname(timed) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).message).toMatch(/^Execution time: \d+ms$/);
  });

  test("-o FILE writes the output there and nothing to stdout", async () => {
    const out = path.join(tempDir(), "result.json");
    const r = await runCli(["run", "-f", timed, "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(JSON.parse(readFileSync(out, "utf8")).message).toMatch(/^Execution time: \d+ms$/);
  });

  test("config prints it", async () => {
    const r = await runCli(["config", "-f", timed]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("id: timed-workflow");
    expect(r.stdout).toContain("${output.end-time - output.start-time}");
  });
});

describe("--input", () => {
  const yaml =
    "workflow:\n  component: shell\n  command: printf '%s %s' ${input.text} ${input.n}\n  output: ${stdout}\n";

  test("--input @file.json reads the input from a file (relative to the current directory)", async () => {
    const dir = tempDir();
    writeFiles(dir, { "model-compose.yml": yaml, "in/input.json": '{"text": "from file", "n": 3}' });
    const r = await runCli(["run", "--input", "@in/input.json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toBe("from file 3");
  });

  test("--input @- reads the input from standard input", async () => {
    const dir = tempDir();
    writeFiles(dir, { "model-compose.yml": yaml });
    const r = await runCli(["run", "--input", "@-"], { cwd: dir, stdin: '{"text": "piped", "n": 2}\n' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toBe("piped 2");
  });

  test("-i JSON on the command line", async () => {
    const dir = tempDir();
    writeFiles(dir, { "model-compose.yml": yaml });
    const r = await runCli(["run", "-i", '{"text": "inline", "n": 1}'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toBe("inline 1");
  });
});

describe("examples/logging", () => {
  let server: ReturnType<typeof Bun.serve> | undefined;
  const received: Array<{ method: string; path: string; body: unknown }> = [];

  beforeAll(() => {
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const url = new URL(req.url);
        const text = await req.text();
        received.push({ method: req.method, path: url.pathname, body: text ? JSON.parse(text) : null });
        return Response.json({ answer: 42, echoed: text ? JSON.parse(text) : null });
      },
    });
  });
  afterAll(() => server?.stop(true));

  test("logs around a call to the API at API_BASE_URL", async () => {
    const base = `http://127.0.0.1:${server?.port}`;
    const r = await runCli([
      "run",
      "-f",
      logging,
      "-e",
      `API_BASE_URL=${base}`,
      "-i",
      '{"question": "why?"}',
    ]);
    expect(r.code).toBe(0);
    // The API got the workflow input as its JSON body.
    expect(received).toEqual([{ method: "POST", path: "/", body: { question: "why?" } }]);
    // The output is the last logger job's input.
    expect(JSON.parse(r.stdout)).toEqual({ message: "Workflow completed" });
    // The logger jobs log at info; the default console shows warnings only.
    expect(r.stderr).toBe("");
  });

  test("with a console logger at info, the three logger lines appear in order", async () => {
    const base = `http://127.0.0.1:${server?.port}`;
    const dir = tempDir();
    writeFiles(dir, { "console.yml": "logger:\n  type: console\n  level: info\n" });
    const r = await runCli([
      "run",
      "-f",
      logging,
      "-f",
      path.join(dir, "console.yml"),
      "-e",
      `API_BASE_URL=${base}`,
      "-i",
      '{"question": "again"}',
    ]);
    expect(r.code).toBe(0);
    const lines = r.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { msg: string; job?: string; run_id: string });
    const jobLines = lines.filter((l) => l.job);
    expect(jobLines.map((l) => l.job)).toEqual(["log-start", "log-result", "log-end"]);
    expect(jobLines[0].msg).toBe(`Workflow started: ${jobLines[0].run_id}`);
    expect(jobLines[1].msg).toBe('Result: {"answer":42,"echoed":{"question":"again"}}');
    expect(jobLines[2].msg).toBe("Workflow completed");
  });

  test("an unreachable API fails the run and names the job", async () => {
    const r = await runCli(["run", "-f", logging, "-e", "API_BASE_URL=http://127.0.0.1:1"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatch(/^job "api-call" failed/);
  });
});
