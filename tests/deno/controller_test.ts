// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The native controller under Deno, through the CLI: `up -d` starts it in the
 * background (Deno.serve), a run over HTTP, `down` stops it and cleans up; threaded
 * runs execute in worker threads; the default SQLite store (node:sqlite) keeps the
 * history across down and up; a taken port is a configuration error.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import * as path from "node:path";
import { alive, errorLines, project, runCli, test, waitFor } from "./helpers.ts";

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Reports the thread a component runs on. */
const THREAD_PLUGIN = `
import * as v from "valibot";
import { threadId } from "node:worker_threads";
import { definePlugin } from "model-compose";
export default definePlugin({
  name: "thread-id",
  components: [{
    type: "thread-id",
    schema: v.object({}),
    resultVariables: ["result"],
    create: () => ({ run: async (_config, input) => ({ output: { thread: threadId, input }, variables: { result: threadId } }) }),
  }],
});
`;

async function postRun(
  base: string,
  input: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/api/workflows/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input, wait_for_completion: true }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function upDownCycle(threaded: boolean): Promise<void> {
  const port = await freePort();
  const dir = project(
    `plugins: [./thread-id.ts]
controller:
  type: http-server
  port: ${port}
  threaded: ${threaded}
components:
  - id: echo
    type: shell
    command: echo "hi \${input.name}"
    output: \${stdout.trim()}
workflows:
  - id: greet
    default: true
    jobs:
      - id: a
        component: echo
        input: \${input}
      - id: b
        component: thread-id
        input: \${output}
`,
    { "thread-id.ts": THREAD_PLUGIN },
  );
  const file = path.join(dir, "model-compose.yml");
  const stateFile = path.join(dir, ".model-compose", "controller.json");
  const up = await runCli(["-f", file, "up", "-d"], { cwd: dir });
  let pid: number | undefined;
  try {
    assert.equal(up.code, 0, up.stderr);
    assert.match(
      up.stdout,
      new RegExp(`controller started \\(pid \\d+\\) at http://127\\.0\\.0\\.1:${port}/api`),
    );
    pid = JSON.parse(readFileSync(stateFile, "utf8")).pid as number;
    assert.ok(alive(pid));

    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/health`);
    assert.equal(((await health.json()) as { status: string }).status, "ok");
    const run = await postRun(base, { name: "deno; touch PWNED" });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.status, "completed");
    const output = run.body.output as { thread: number; input: string };
    assert.equal(output.input, "hi deno; touch PWNED");
    if (threaded) assert.ok(output.thread > 0, `ran on thread ${output.thread}`);
    else assert.equal(output.thread, 0);
    const task = await fetch(`${base}/api/tasks/${run.body.task_id}`);
    assert.equal(((await task.json()) as { status: string }).status, "completed");
    assert.equal(existsSync(path.join(dir, "PWNED")), false);

    // The web page and a run's event stream, under Deno too.
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    const script = /src="([^"]+)"/.exec(await page.text())![1];
    const js = await fetch(base + script);
    assert.equal(js.status, 200);
    assert.ok((await js.text()).length > 10_000);
    const stream = await fetch(`${base}/api/workflows/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: { name: "sse" }, stream: true }),
    });
    assert.match(stream.headers.get("content-type") ?? "", /^text\/event-stream/);
    const sse = await stream.text();
    assert.match(sse, /"type":"log","job_id":"a","stream":"stdout","text":"hi sse"/);
    assert.match(sse.trim().split("\n\n").at(-1)!, /event: run\.finished/);
    const replay = await fetch(`${base}/api/tasks/${stream.headers.get("x-task-id")}/events`);
    assert.equal(await replay.text(), sse);

    const down = await runCli(["-f", file, "down"], { cwd: dir });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, new RegExp(`controller stopped \\(pid ${pid}\\)`));
    assert.ok(await waitFor(() => !alive(pid!), 5000), "the controller process is gone");
    assert.equal(existsSync(stateFile), false);
    assert.equal(existsSync(path.join(dir, ".stop")), false);
    const log = readFileSync(path.join(dir, ".model-compose", "controller.log"), "utf8");
    assert.match(log, /controller stopped/);
  } finally {
    if (pid !== undefined && alive(pid)) process.kill(pid, "SIGKILL");
  }
}

test("up -d, one run over HTTP, down", () => upDownCycle(false));

test("threaded: true runs in worker threads under Deno", () => upDownCycle(true));

test("the default SQLite store (node:sqlite under Deno) keeps the history across down and up", async () => {
  const port = await freePort();
  const dir = project(
    `controller:\n  port: ${port}\nworkflow:\n  component: shell\n  command: echo "hi \${input.name}"\n  output: \${stdout.trim()}\n`,
  );
  const file = path.join(dir, "model-compose.yml");
  const base = `http://127.0.0.1:${port}`;
  const pids: number[] = [];
  const upOnce = async () => {
    const up = await runCli(["-f", file, "up", "-d"], { cwd: dir });
    assert.equal(up.code, 0, up.stderr);
    pids.push(JSON.parse(readFileSync(path.join(dir, ".model-compose", "controller.json"), "utf8")).pid);
  };
  try {
    await upOnce();
    const run = await postRun(base, { name: "deno" });
    assert.equal(run.body.status, "completed", JSON.stringify(run.body));
    assert.equal((await runCli(["-f", file, "down"], { cwd: dir })).code, 0);
    assert.ok(existsSync(path.join(dir, ".model-compose", "runs.db")));

    await upOnce();
    const history = (await (await fetch(`${base}/api/tasks`)).json()) as {
      tasks: { task_id: string; status: string; output?: unknown }[];
    };
    assert.deepEqual(
      history.tasks.map((t) => [t.task_id, t.status]),
      [[run.body.task_id, "completed"]],
    );
    const task = (await (await fetch(`${base}/api/tasks/${run.body.task_id}`)).json()) as { output: unknown };
    assert.equal(task.output, "hi deno");
    assert.equal((await runCli(["-f", file, "down"], { cwd: dir })).code, 0);
  } finally {
    for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
  }
});

test("up on a port in use: exit 2 naming the port", async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = blocker.address() as { port: number };
    const dir = project(`controller:\n  port: ${port}\nworkflow:\n  component: shell\n  command: "true"\n`);
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "up"], {
      cwd: dir,
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.deepEqual(errorLines(r.stderr), [
      `error: cannot listen on 127.0.0.1:${port}: the port is already in use (controller.port)`,
    ]);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
