import { expect, test } from "bun:test";
import type { RunEvent } from "../../workflow/events.ts";
import { ttyProgress } from "./tty.ts";

const base = { v: 1, run_id: "r", time: new Date().toISOString() };
let seq = 0;
const ev = (e: Record<string, unknown>) => ({ ...base, seq: ++seq, ...e }) as RunEvent;

/** A terminal of `rows` × 80 that keeps what is written to it. */
function terminal(rows: number) {
  const writes: string[] = [];
  const stream = {
    isTTY: true,
    columns: 80,
    rows,
    write(chunk: string) {
      writes.push(String(chunk));
      return true;
    },
    on() {
      return stream;
    },
    off() {
      return stream;
    },
    removeListener() {
      return stream;
    },
    hasColors: () => false,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: escape codes are what is taken out
const ESCAPE_CODE = /\u001b\[[0-9;?]*[A-Za-z]/g;

const frameLines = (chunk: string) =>
  chunk
    .replace(ESCAPE_CODE, "")
    .split("\n")
    .filter((l) => l.trim() !== "");

test("a burst of events draws nothing at once; frames come at the spinner's pace and fit the terminal", async () => {
  const { stream, writes } = terminal(10);
  const progress = ttyProgress(stream);
  const ids = Array.from({ length: 1000 }, (_, i) => `job-${i}`);
  progress.onEvent(
    ev({ type: "run.started", workflow_id: "w", jobs: ids.map((id) => ({ id, depends_on: [] })) }),
  );
  const finish = (id: string) =>
    progress.onEvent(
      ev({ type: "job.finished", job_id: id, status: "completed", duration_ms: 1, attempts: 1 }),
    );
  for (const id of ids) {
    progress.onEvent(ev({ type: "job.started", job_id: id, attempt: 1 }));
    if (id !== "job-999") finish(id);
  }
  expect(writes.filter((w) => w.includes("job-"))).toEqual([]);
  // The last job runs on: its spinner turns at each frame.
  await Bun.sleep(300);
  finish("job-999");
  progress.stop();
  const frames = writes.filter((w) => w.includes("job-"));
  // A few frames in 300 ms, and the last one: not one per event.
  expect(frames.length).toBeGreaterThanOrEqual(2);
  expect(frames.length).toBeLessThan(20);
  // The first frame is drawn whole (later ones change only the lines that changed).
  const first = frameLines(frames[0]);
  expect(first.length).toBeLessThanOrEqual(9);
  expect(first[first.length - 1]).toBe("… 992 more: 992 done");
  expect(first[first.length - 2]).toMatch(/job-999 {2}running/);
  expect(frames[frames.length - 1]).toContain("job-999  done");
});
