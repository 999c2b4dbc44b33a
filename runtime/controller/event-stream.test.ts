import { describe, expect, test } from "bun:test";
import type { RunEvent } from "../workflow/events.ts";
import { RunEventLog } from "./event-log.ts";
import { streamRun } from "./event-stream.ts";

const ev = (seq: number, e: Record<string, unknown>) =>
  ({ v: 1, seq, run_id: "r", time: "2026-01-01T00:00:00.000Z", ...e }) as RunEvent;
const line = (seq: number) => ev(seq, { type: "log", job_id: "j", stream: "stdout", text: "x".repeat(100) });

/** A sink whose writes wait until `release()`; records what was written. */
function stallingSink() {
  const written: string[] = [];
  let open: () => void = () => {};
  let gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    written,
    aborted: false,
    closed: false,
    release() {
      open();
      gate = Promise.resolve();
    },
    async write(text: string) {
      await gate;
      written.push(text);
    },
    async close() {
      this.closed = true;
    },
    abort() {
      this.aborted = true;
    },
  };
}

describe("streamRun", () => {
  test("a slow client is dropped: what waited is thrown away and the last frame says so", async () => {
    const log = new RunEventLog();
    log.record(ev(1, { type: "run.started", workflow_id: "w", jobs: [] }));
    const sink = stallingSink();
    const done = streamRun(sink, {
      log,
      runId: "r",
      afterSeq: 0,
      limits: { maxBufferedBytes: 2000, heartbeatMs: 60_000, dropGraceMs: 60_000 },
      settled: async () => undefined,
      signal: new AbortController().signal,
    });
    for (let seq = 2; seq < 100; seq++) log.record(line(seq));
    // Dropped already: the log no longer feeds it.
    expect(log.stats().subscribers).toBe(0);
    sink.release();
    await done;
    expect(sink.written[0]).toStartWith("id: 1\nevent: run.started\n");
    const last = sink.written.at(-1)!;
    expect(last).toStartWith("event: stream.dropped\n");
    expect(JSON.parse(last.split("data: ")[1])).toMatchObject({
      type: "stream.dropped",
      limit: "max_buffered_bytes",
      reason: "the client read too slowly: more than 2000 bytes of events waited for it",
    });
    // Far fewer than the 98 lines were kept for it.
    expect(sink.written.length).toBeLessThan(30);
    expect(sink.closed).toBe(true);
  });

  test("a dropped client that does not read even the notice is cut after the grace period", async () => {
    const log = new RunEventLog();
    log.record(ev(1, { type: "run.started", workflow_id: "w", jobs: [] }));
    const sink = stallingSink();
    const done = streamRun(sink, {
      log,
      runId: "r",
      afterSeq: 0,
      limits: { maxBufferedBytes: 500, heartbeatMs: 60_000, dropGraceMs: 50 },
      settled: async () => undefined,
      signal: new AbortController().signal,
    });
    for (let seq = 2; seq < 20; seq++) log.record(line(seq));
    await done;
    expect(sink.aborted).toBe(true);
  });

  test("history kept in the log is not counted against the client's buffer", async () => {
    const log = new RunEventLog();
    log.record(ev(1, { type: "run.started", workflow_id: "w", jobs: [] }));
    for (let seq = 2; seq < 200; seq++) log.record(line(seq));
    log.record(
      ev(200, { type: "run.finished", workflow_id: "w", status: "completed", duration_ms: 1, jobs: [] }),
    );
    const sink = stallingSink();
    sink.release();
    await streamRun(sink, {
      log,
      runId: "r",
      afterSeq: 0,
      limits: { maxBufferedBytes: 500, heartbeatMs: 60_000, dropGraceMs: 50 },
      settled: async () => undefined,
      signal: new AbortController().signal,
    });
    expect(sink.written).toHaveLength(200);
    expect(sink.written.at(-1)).toStartWith("id: 200\nevent: run.finished\n");
  });
});

describe("RunEventLog", () => {
  test("keeps every lifecycle event and the newest log lines; a resume point before them counts what is gone", () => {
    const log = new RunEventLog({ maxLogLines: 3, keepFinishedRuns: 1 });
    log.record(ev(1, { type: "run.started", workflow_id: "w", jobs: [] }));
    for (let seq = 2; seq <= 7; seq++) log.record(line(seq));
    log.record(ev(8, { type: "job.finished", job_id: "j", status: "completed", attempts: 1 }));
    const sub = log.subscribe("r", 0, () => {});
    expect(sub.replay.map((e) => e.seq)).toEqual([1, 5, 6, 7, 8]);
    expect(sub.missed).toBe(3);
    expect(log.subscribe("r", 5, () => {}).missed).toBe(0);
  });

  test("keeps only the newest finished runs", () => {
    const log = new RunEventLog({ maxLogLines: 3, keepFinishedRuns: 1 });
    for (const run of ["a", "b"]) {
      log.record({ ...ev(1, { type: "run.started", workflow_id: "w", jobs: [] }), run_id: run } as RunEvent);
      log.record({
        ...ev(2, { type: "run.finished", workflow_id: "w", status: "completed", duration_ms: 1, jobs: [] }),
        run_id: run,
      } as RunEvent);
    }
    expect([log.has("a"), log.has("b")]).toEqual([false, true]);
  });
});
