import { describe, expect, test } from "bun:test";
import type { RunEvent } from "../../workflow/events.ts";
import { formatDuration, JobList, renderJobList, rowsThatFit } from "./job-list.ts";

const base = { v: 1, run_id: "r", time: "2026-01-01T00:00:00.000Z" };
let seq = 0;
const ev = (e: Record<string, unknown>) => ({ ...base, seq: ++seq, ...e }) as RunEvent;

function listOf(events: RunEvent[]): JobList {
  const list = new JobList();
  for (const e of events) list.apply(e);
  return list;
}

describe("the job list", () => {
  const events = [
    ev({
      type: "run.started",
      workflow_id: "w",
      jobs: ["a", "b", "c", "d"].map((id) => ({ id, depends_on: [] })),
    }),
    ev({ type: "job.started", job_id: "a", attempt: 1 }),
    ev({ type: "job.finished", job_id: "a", status: "completed", duration_ms: 1250, attempts: 1 }),
    ev({ type: "job.started", job_id: "b", attempt: 2, time: "2026-01-01T00:00:01.000Z" }),
    ev({ type: "log", job_id: "b", stream: "stdout", text: "downloading" }),
    ev({ type: "job.started", job_id: "c", attempt: 1 }),
    ev({
      type: "job.finished",
      job_id: "c",
      status: "failed",
      duration_ms: 40,
      attempts: 1,
      error: "exit 3",
    }),
  ];

  test("waiting, running with elapsed time and last line, done with duration, failed with the reason", () => {
    const text = renderJobList(listOf(events), {
      now: Date.parse("2026-01-01T00:00:04.500Z"),
      spinner: "*",
      color: false,
      width: 100,
    });
    expect(text.split("\n")).toEqual([
      "✔ a  done 1.3s",
      "* b  running 3.5s attempt 2  downloading",
      "✖ c  failed 40ms  exit 3",
      "· d  waiting",
    ]);
  });

  test("in colour, a failed job is red; lines are cut to the width", () => {
    const text = renderJobList(listOf(events), { now: 0, spinner: "*", color: true, width: 30 });
    const failed = text.split("\n")[2];
    expect(failed).toContain("\u001b[31mfailed 40ms\u001b[39m");
    // Without escape codes, no line is wider than 30 columns.
    const plain = renderJobList(listOf(events), { now: 0, spinner: "*", color: false, width: 30 });
    for (const line of plain.split("\n")) expect(line.length).toBeLessThanOrEqual(30);
  });

  test("durations read as ms, seconds, then minutes", () => {
    expect([formatDuration(850), formatDuration(4200), formatDuration(125_000)]).toEqual([
      "850ms",
      "4.2s",
      "2m05s",
    ]);
  });
});

describe("a list taller than the terminal", () => {
  const ids = Array.from({ length: 30 }, (_, i) => `j${i}`);
  const started = ev({
    type: "run.started",
    workflow_id: "w",
    jobs: ids.map((id) => ({ id, depends_on: [] })),
  });
  const finish = (id: string, status = "completed") =>
    ev({
      type: "job.finished",
      job_id: id,
      status,
      duration_ms: 5,
      attempts: 1,
      ...(status === "completed" ? {} : { error: "no" }),
    });
  const start = (id: string) => ev({ type: "job.started", job_id: id, attempt: 1 });

  test("shows the running and failed jobs, then the newest changes, in the list's order, and counts the rest", () => {
    const events = [started, start("j2"), finish("j2", "failed")];
    for (let i = 3; i < 20; i++) events.push(start(`j${i}`), finish(`j${i}`));
    events.push(start("j20"), start("j21"));
    const lines = renderJobList(listOf(events), {
      now: 0,
      spinner: "*",
      color: false,
      width: 80,
      height: 6,
    }).split("\n");
    expect(lines).toHaveLength(6);
    expect(lines.slice(0, 5).map((l) => l.split(/\s+/)[1])).toEqual(["j2", "j18", "j19", "j20", "j21"]);
    expect(lines[5]).toBe("… 25 more: 15 done, 10 waiting");
  });

  test("more jobs needing an eye than lines: the first of them, and the count", () => {
    const events = [started, ...ids.slice(0, 10).map(start)];
    const { shown, hidden } = rowsThatFit(listOf(events).rows, 4);
    expect(shown.map((r) => r.id)).toEqual(["j0", "j1", "j2"]);
    expect(hidden).toHaveLength(27);
  });

  test("a list that fits is shown whole, with no count", () => {
    const text = renderJobList(listOf([started]), {
      now: 0,
      spinner: "*",
      color: false,
      width: 80,
      height: 30,
    });
    expect(text.split("\n")).toHaveLength(30);
    expect(text).not.toContain("more:");
  });
});
