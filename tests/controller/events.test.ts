// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
// biome-ignore-all lint/suspicious/noExplicitAny: event payloads are JSON that tests pick apart
/**
 * The run event streams of a real controller on 127.0.0.1 (in this process, so the
 * replay log's size can be read): SSE of sequential, graph, failing, retried, skipped
 * and cancelled runs; late subscribers; Last-Event-ID; a subscriber that never reads;
 * 200 subscribers of one run; `POST …/workflows/runs` streaming in one request; the
 * threaded executor.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import * as path from "node:path";
import YAML from "yaml";
import { type RunningController, startController } from "../../runtime/controller/server.ts";
import { silentLogger } from "../../runtime/log.ts";
import { load } from "../core/helpers.ts";
import { project, tempDir } from "../support/files.ts";
import { freePort } from "../support/net.ts";
import { readSse, type SseFrame } from "../support/sse.ts";

const running: RunningController[] = [];
afterAll(async () => {
  for (const c of running) await c.shutdown(0);
});

async function controllerFor(
  workflows: unknown[],
  controller: Record<string, unknown> = {},
): Promise<{ c: RunningController; api: string }> {
  const doc = { controller: { port: freePort(), ...controller }, workflows };
  const root = project(YAML.stringify(doc));
  const p = await load(root, { processEnv: { PATH: process.env.PATH } });
  const c = await startController(p, { logger: silentLogger() });
  running.push(c);
  return { c, api: `${c.url}/api` };
}

function post(api: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${api}/workflows/runs`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

async function startTask(api: string, workflowId: string, input: unknown = {}): Promise<string> {
  const r = await post(api, { workflow_id: workflowId, input, wait_for_completion: false });
  expect(r.status).toBe(202);
  return ((await r.json()) as any).task_id;
}

function events(api: string, taskId: string, headers: Record<string, string> = {}, query = "") {
  return fetch(`${api}/tasks/${taskId}/events${query}`, { headers });
}

/** `type job status` lines of the run's events, log lines left out. */
function outline(frames: SseFrame[]): string[] {
  return frames
    .filter((f) => f.event !== "log")
    .map((f) =>
      f.event === "run.finished"
        ? `run.finished ${f.data.status}`
        : [f.event, f.data.job_id, f.data.status ?? f.data.attempt].filter((x) => x !== undefined).join(" "),
    );
}

/** Every frame of a run: ids 1..n, each the event's seq, one run, ending with run.finished. */
function expectComplete(frames: SseFrame[], taskId: string): void {
  expect(frames.map((f) => Number(f.id))).toEqual(frames.map((_, i) => i + 1));
  for (const f of frames) {
    expect(f.data.seq).toBe(Number(f.id));
    expect(f.data.type).toBe(f.event);
    expect(f.data.run_id).toBe(taskId);
    expect(f.data.v).toBe(1);
  }
  expect(frames.at(-1)?.event).toBe("run.finished");
}

const WORKFLOWS = (dir: string) => [
  {
    id: "seq",
    default: true,
    jobs: [
      { id: "a", component: "shell", command: "echo one; echo two" },
      { id: "b", component: "logger", input: { message: "from b" } },
    ],
  },
  {
    id: "graph",
    jobs: [
      { id: "left", component: "shell", command: "echo l", depends_on: [] },
      { id: "right", component: "shell", command: "echo r", depends_on: [] },
      { id: "join", component: "shell", command: "echo j", depends_on: ["left", "right"] },
    ],
  },
  {
    id: "failing",
    jobs: [
      { id: "ok", component: "shell", command: "true" },
      { id: "bad", component: "shell", command: "echo boom >&2; exit 3" },
      { id: "after", component: "shell", command: "true" },
    ],
  },
  {
    id: "retried",
    jobs: [
      {
        id: "flaky",
        component: "shell",
        retry: { max_attempts: 3, delay: "10ms" },
        command: `n=$(cat ${path.join(dir, "n")} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${path.join(dir, "n")}; [ $n -ge 2 ]`,
      },
    ],
  },
  {
    id: "skipped",
    jobs: [
      { id: "maybe", component: "shell", command: "echo x", if: "${input.go}" },
      { id: "always", component: "shell", command: "echo y" },
    ],
  },
  {
    id: "slow",
    jobs: [
      { id: "wait", component: "shell", command: "echo waiting; sleep 30" },
      { id: "next", component: "shell", command: "true" },
    ],
  },
  {
    id: "ticks",
    jobs: [
      {
        id: "tick",
        component: "shell",
        command: "i=0; while [ $i -lt ${input.n} ]; do echo tick $i; i=$((i+1)); sleep 0.01; done",
      },
    ],
  },
  {
    id: "flood",
    jobs: [
      {
        id: "print",
        component: "shell",
        // ~${input.mb} MiB of 1 KiB lines, as fast as the shell goes.
        env: { MB: "${input.mb}" },
        command: "head -c $((MB * 1024 * 1024)) /dev/zero | tr '\\0' x | fold -w 1023",
        output: "done",
      },
    ],
  },
];

describe("run event streams", async () => {
  const dir = tempDir();
  const { c, api } = await controllerFor(WORKFLOWS(dir), { events: { heartbeat: "200ms" } });

  test("POST with stream: true answers with the run's events in one request", async () => {
    const r = await post(api, { workflow_id: "seq", stream: true });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toStartWith("text/event-stream");
    const taskId = r.headers.get("x-task-id")!;
    const { frames, ended } = await readSse(r);
    expect(ended).toBe(true);
    expectComplete(frames, taskId);
    expect(outline(frames)).toEqual([
      "run.started",
      "job.started a 1",
      "job.finished a completed",
      "job.started b 1",
      "job.finished b completed",
      "run.finished completed",
    ]);
    expect(frames.filter((f) => f.event === "log").map((f) => [f.data.job_id, f.data.text])).toEqual([
      ["a", "one"],
      ["a", "two"],
      ["b", "from b"],
    ]);
    expect(frames.at(-1)?.data.output).toEqual({ message: "from b" });
  });

  test("Accept: text/event-stream streams too; a late subscriber gets the same events from the history", async () => {
    const r = await post(api, { workflow_id: "graph" }, { accept: "text/event-stream" });
    const taskId = r.headers.get("x-task-id")!;
    const live = await readSse(r);
    expectComplete(live.frames, taskId);
    const at = (line: string) => outline(live.frames).indexOf(line);
    expect(at("job.started join 1")).toBeGreaterThan(at("job.finished left completed"));
    expect(at("job.started join 1")).toBeGreaterThan(at("job.finished right completed"));
    const late = await readSse(await events(api, taskId));
    expect(late.ended).toBe(true);
    expect(late.frames).toEqual(live.frames);
  });

  test("a failing run ends with run.finished failed naming the job; the waiting job is cancelled", async () => {
    const r = await post(api, { workflow_id: "failing", stream: true });
    const { frames } = await readSse(r);
    expect(outline(frames)).toEqual([
      "run.started",
      "job.started ok 1",
      "job.finished ok completed",
      "job.started bad 1",
      "job.finished bad failed",
      "job.finished after cancelled",
      "run.finished failed",
    ]);
    expect(frames.at(-1)?.data).toMatchObject({
      status: "failed",
      job_id: "bad",
      error: 'job "bad" failed: command exited with code 3: boom',
    });
    expect(frames.find((f) => f.event === "log")?.data).toMatchObject({ stream: "stderr", text: "boom" });
  });

  test("a retried job: job.retrying between its attempts", async () => {
    const { frames } = await readSse(await post(api, { workflow_id: "retried", stream: true }));
    expect(outline(frames)).toEqual([
      "run.started",
      "job.started flaky 1",
      "job.retrying flaky 1",
      "job.started flaky 2",
      "job.finished flaky completed",
      "run.finished completed",
    ]);
  });

  test("a skipped job: job.skipped, never started", async () => {
    const { frames } = await readSse(
      await post(api, { workflow_id: "skipped", input: { go: false }, stream: true }),
    );
    expect(outline(frames)).toEqual([
      "run.started",
      "job.skipped maybe",
      "job.started always 1",
      "job.finished always completed",
      "run.finished completed",
    ]);
  });

  test("a cancelled run: the subscriber sees the cancel and the stream ends", async () => {
    const taskId = await startTask(api, "slow");
    const r = await events(api, taskId);
    const reading = readSse(r);
    // Cancel once the job has said it is waiting.
    for (let i = 0; i < 200; i++) {
      const t = (await (await fetch(`${api}/tasks/${taskId}`)).json()) as any;
      if (t.jobs[0].status === "running") break;
      await Bun.sleep(25);
    }
    await Bun.sleep(100);
    const cancel = await fetch(`${api}/tasks/${taskId}/cancel`, { method: "POST" });
    expect(cancel.status).toBe(202);
    const { frames, ended } = await reading;
    expect(ended).toBe(true);
    expectComplete(frames, taskId);
    expect(outline(frames)).toEqual([
      "run.started",
      "job.started wait 1",
      "job.finished wait cancelled",
      "job.finished next cancelled",
      "run.finished cancelled",
    ]);
    expect(frames.at(-1)?.data.error).toBe("cancelled by request");
  });

  test("reconnecting with Last-Event-ID loses and repeats nothing", async () => {
    const taskId = await startTask(api, "ticks", { n: 40 });
    const seen: SseFrame[] = [];
    let lastId = "0";
    // Read a few events, drop the connection, come back from the last id; repeat.
    for (let round = 0; round < 100; round++) {
      const headers: Record<string, string> = lastId === "0" ? {} : { "last-event-id": lastId };
      let n = 0;
      const part = await readSse(await events(api, taskId, headers), () => ++n >= 7);
      seen.push(...part.frames);
      if (part.frames.length) lastId = part.frames.at(-1)!.id!;
      if (part.ended || seen.at(-1)?.event === "run.finished") break;
    }
    expectComplete(seen, taskId);
    expect(seen.filter((f) => f.event === "log").map((f) => f.data.text)).toEqual(
      Array.from({ length: 40 }, (_, i) => `tick ${i}`),
    );
    // The query form resumes the same way (for clients that cannot set headers).
    const tail = await readSse(await events(api, taskId, {}, `?last_event_id=${seen.length - 2}`));
    expect(tail.frames.map((f) => f.id)).toEqual([String(seen.length - 1), String(seen.length)]);
  });

  test("heartbeats while the run is quiet", async () => {
    const taskId = await startTask(api, "slow");
    const r = await events(api, taskId);
    const reader = readSse(r, (f) => f.event === "job.started");
    await reader;
    // A fresh subscription after the start: nothing happens for a while but heartbeats.
    const r2 = await events(api, taskId, { "last-event-id": "2" });
    const body = r2.body!.getReader();
    let text = "";
    const until = Date.now() + 10_000;
    while (!text.includes(": heartbeat") && Date.now() < until) {
      const { value, done } = await body.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await body.cancel();
    expect(text).toContain(": heartbeat\n\n");
    await fetch(`${api}/tasks/${taskId}/cancel`, { method: "POST" });
  });

  test("bad requests: an unknown task is 404, a Last-Event-ID that is not a number is 400", async () => {
    const unknown = await events(api, "01NOPE");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'unknown task "01NOPE"' });
    const taskId = await startTask(api, "seq");
    const bad = await events(api, taskId, { "last-event-id": "abc" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'Last-Event-ID must be an event\'s id (a whole number), found "abc"',
    });
  });

  test("200 concurrent subscribers of one run each get every event, in order", async () => {
    const taskId = await startTask(api, "ticks", { n: 30 });
    const reads = await Promise.all(
      Array.from({ length: 200 }, async () => readSse(await events(api, taskId))),
    );
    const first = reads[0].frames;
    expectComplete(first, taskId);
    expect(first.filter((f) => f.event === "log")).toHaveLength(30);
    for (const r of reads) {
      expect(r.ended).toBe(true);
      expect(r.frames.map((f) => f.id)).toEqual(first.map((f) => f.id));
    }
    expect(c.events.stats().subscribers).toBe(0);
  });
});

describe("a subscriber that never reads", () => {
  test("is dropped; the server's memory does not grow with what the run prints", async () => {
    const dir = tempDir();
    const { c, api } = await controllerFor(WORKFLOWS(dir), {
      events: { subscriber_buffer: "256k", history_lines: 1000, heartbeat: "1s" },
    });
    const port = Number(new URL(api).port);

    /** Runs the 32 MiB flood; the peak growth of this process's RSS while it runs. */
    const flood = async (subscribe: boolean) => {
      const taskId = await startTask(api, "flood", { mb: 32 });
      let socket: ReturnType<typeof connect> | undefined;
      if (subscribe) {
        // A raw connection whose reader never reads: the kernel's buffers fill, then the server's.
        socket = connect({ host: "127.0.0.1", port });
        await new Promise<void>((resolve) => socket!.once("connect", () => resolve()));
        socket.pause();
        socket.write(`GET /api/tasks/${taskId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      }
      Bun.gc(true);
      const before = process.memoryUsage().rss;
      let peak = before;
      for (;;) {
        const t = (await (await fetch(`${api}/tasks/${taskId}`)).json()) as any;
        peak = Math.max(peak, process.memoryUsage().rss);
        if (t.status !== "running" && t.status !== "pending") {
          expect(t.status).toBe("completed");
          break;
        }
        await Bun.sleep(20);
      }
      return { grewMiB: (peak - before) / 1048576, socket, taskId };
    };

    await flood(false); // warm-up: the first run's allocations are not the stream's
    const base = await flood(false);
    const slow = await flood(true);
    console.log(
      `32 MiB of output: RSS peak +${base.grewMiB.toFixed(1)} MiB without a subscriber, +${slow.grewMiB.toFixed(1)} MiB with one that never reads`,
    );
    expect(slow.grewMiB).toBeLessThan(base.grewMiB + 24);
    // The subscriber was let go; the log kept its bound.
    expect(c.events.stats().subscribers).toBe(0);
    expect(c.events.stats().lines).toBeLessThanOrEqual(1000 * 3);
    // Reading now gets what sat in the buffers, not the 32 MiB, and the response has ended
    // (its last chunk came; the connection itself may stay open for keep-alive).
    const socket = slow.socket!;
    let received = 0;
    let tail = "";
    const ended = new Promise<boolean>((resolve) => {
      socket.on("data", (d: Buffer) => {
        received += d.length;
        tail = (tail + d.toString("latin1")).slice(-16);
        if (tail.endsWith("\r\n0\r\n\r\n")) resolve(true);
      });
      socket.once("close", () => resolve(true));
      setTimeout(() => resolve(false), 15_000);
    });
    socket.resume();
    expect(await ended).toBe(true);
    expect(received).toBeLessThan(16 * 1024 * 1024);
    socket.destroy();
    // A new subscriber still gets the run, told of the lines no longer kept.
    const again = await readSse(await events(api, slow.taskId));
    expect(again.frames[0]).toMatchObject({ event: "stream.gap", data: { type: "stream.gap" } });
    expect(again.frames[0].data.missed).toBeGreaterThan(30_000);
    expect(again.frames.at(-1)?.event).toBe("run.finished");
  }, 180_000);
});

describe("a run cancelled before it started", () => {
  test("its stream ends at once with its final state from the store", async () => {
    const dir = tempDir();
    const { api } = await controllerFor(WORKFLOWS(dir), { max_concurrent_count: 1 });
    const busy = await startTask(api, "slow");
    const waiting = await startTask(api, "seq");
    const reading = readSse(await events(api, waiting));
    await Bun.sleep(100);
    expect((await fetch(`${api}/tasks/${waiting}/cancel`, { method: "POST" })).status).toBe(202);
    const { frames, ended } = await reading;
    expect(ended).toBe(true);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({
      id: "1",
      event: "run.finished",
      data: {
        type: "run.finished",
        status: "cancelled",
        error: "cancelled before it started",
        duration_ms: 0,
      },
    });
    await fetch(`${api}/tasks/${busy}/cancel`, { method: "POST" });
  });
});

describe("threaded runs", () => {
  test("events cross the worker thread, the last one included", async () => {
    const dir = tempDir();
    const { api } = await controllerFor(WORKFLOWS(dir), { threaded: true });
    for (let i = 0; i < 3; i++) {
      const r = await post(api, { workflow_id: "failing", stream: true });
      const taskId = r.headers.get("x-task-id")!;
      const { frames } = await readSse(r);
      expectComplete(frames, taskId);
      expect(frames.at(-1)?.data).toMatchObject({ status: "failed", job_id: "bad" });
      expect(frames.some((f) => f.event === "log" && f.data.text === "boom")).toBe(true);
    }
  }, 60_000);
});
