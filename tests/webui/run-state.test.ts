/**
 * The run page's fold of a run's events (webui/src/run-state.ts): the page hands over
 * the events of a frame at once, which must show what folding them one at a time shows.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import {
  foldRunEvents,
  initialRunState,
  MAX_LINES_SHOWN,
  type RunEvent,
  type RunState,
} from "../../webui/src/run-state.ts";

const time = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
let seq = 0;
const ev = (type: string, ms: number, fields: Record<string, unknown> = {}): RunEvent => ({
  type,
  seq: ++seq,
  time: time(ms),
  ...fields,
});

/** A run of `ids` jobs, one after the other, each logging `lines` lines; the last fails when `fail`. */
function runEvents(ids: string[], lines: number, fail: boolean): RunEvent[] {
  const out = [ev("run.started", 0, { workflow_id: "wf", jobs: ids.map((id) => ({ id })) })];
  let t = 1;
  for (const [i, id] of ids.entries()) {
    out.push(ev("job.started", t++, { job_id: id, attempt: 1 }));
    for (let n = 0; n < lines; n++)
      out.push(ev("log", t++, { job_id: id, stream: n % 2 ? "stderr" : "stdout", text: `${id} ${n}` }));
    const failed = fail && i === ids.length - 1;
    out.push(
      ev("job.finished", t++, {
        job_id: id,
        status: failed ? "failed" : "completed",
        duration_ms: 1,
        ...(failed ? { error: "boom" } : {}),
      }),
    );
  }
  out.push(
    ev("run.finished", t, {
      workflow_id: "wf",
      status: fail ? "failed" : "completed",
      duration_ms: t,
      jobs: ids.map((id) => ({ id, status: "completed" })),
      ...(fail ? { error: "boom", job_id: ids[ids.length - 1] } : { output: { ok: true } }),
    }),
  );
  return out;
}

const oneByOne = (events: RunEvent[]): RunState =>
  events.reduce((s, e) => foldRunEvents(s, [e]), initialRunState);

test("events folded in batches of any size show what they show folded one at a time", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 0, max: 30 }),
      fc.boolean(),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
      (jobs, lines, fail, cuts) => {
        const events = runEvents(
          Array.from({ length: jobs }, (_, i) => `j${i}`),
          lines,
          fail,
        );
        let state = initialRunState;
        for (let at = 0, k = 0; at < events.length; k++) {
          const size = cuts[k % cuts.length];
          state = foldRunEvents(state, events.slice(at, at + size));
          at += size;
        }
        expect(state).toEqual(oneByOne(events));
      },
    ),
    { numRuns: 300 },
  );
});

test("a batch changes only the jobs its events name; the others are the same objects", () => {
  const ids = Array.from({ length: 50 }, (_, i) => `j${i}`);
  const events = runEvents(ids, 1, false);
  const before = foldRunEvents(initialRunState, events.slice(0, 20));
  const after = foldRunEvents(before, events.slice(20, 23));
  const touched = new Set(events.slice(20, 23).map((e) => e.job_id as string));
  expect(touched.size).toBeGreaterThan(0);
  expect(after.jobs).not.toBe(before.jobs);
  for (const [i, job] of after.jobs.entries()) {
    if (touched.has(job.id)) expect(job).not.toBe(before.jobs[i]);
    else expect(job).toBe(before.jobs[i]);
  }
  // The state folded from is left as it was.
  expect(before).toEqual(foldRunEvents(initialRunState, events.slice(0, 20)));
});

test("a job shows its last lines, up to the limit, in order, from one batch or many", () => {
  const count = MAX_LINES_SHOWN * 2 + 37;
  const events = runEvents(["talker"], count, false);
  const expected = Array.from({ length: MAX_LINES_SHOWN }, (_, i) => `talker ${count - MAX_LINES_SHOWN + i}`);
  for (const state of [foldRunEvents(initialRunState, events), oneByOne(events)]) {
    const job = state.jobs[0];
    expect(job.lines.map((l) => l.text)).toEqual(expected);
    expect(job.status).toBe("completed");
  }
});

test("reset starts over; an empty batch changes nothing", () => {
  const state = foldRunEvents(initialRunState, runEvents(["a"], 0, true));
  expect(state).toMatchObject({ status: "failed", error: "boom", failingJob: "a", hasOutput: false });
  expect(foldRunEvents(state, [])).toBe(state);
  expect(foldRunEvents(state, "reset")).toBe(initialRunState);
});
