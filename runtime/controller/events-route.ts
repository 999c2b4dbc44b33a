/**
 * `GET {base_path}/tasks/{id}/events`: a run's events as Server-Sent Events (hono's
 * streamSSE), from the replay log, resumable with `Last-Event-ID` (or
 * `?last_event_id=`); also the response of `POST …/workflows/runs` with `"stream": true`
 * or `Accept: text/event-stream`.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { TaskRecord } from "../store/task-record.ts";
import type { RunFinishedEvent } from "../workflow/events.ts";
import { RUN_EVENT_VERSION } from "../workflow/events.ts";
import type { RunEventLog } from "./event-log.ts";
import { type StreamLimits, streamRun } from "./event-stream.ts";
import type { RunBus } from "./run-bus.ts";

export interface EventStreamDeps {
  log: RunEventLog;
  limits: StreamLimits;
  /** The run's stored record. */
  task(id: string): Promise<TaskRecord | undefined>;
  /** Where `task.settled` says a run's final state is in the store. */
  bus: Pick<RunBus, "subscribe">;
}

/** Whether the client asked for an event stream by its Accept header. */
export function wantsEventStream(c: Context): boolean {
  return /\btext\/event-stream\b/i.test(c.req.header("accept") ?? "");
}

/**
 * The resume point: Last-Event-ID (sent by EventSource when it reconnects) or
 * `?last_event_id=`; a message naming the problem if it is not a sequence number.
 */
export function resumePoint(c: Context): number | string {
  const header = c.req.header("last-event-id");
  const query = c.req.query("last_event_id");
  const [name, value] = header !== undefined ? ["Last-Event-ID", header] : ["last_event_id", query ?? "0"];
  const text = value.trim();
  if (text === "") return 0;
  if (!/^\d{1,15}$/.test(text)) return `${name} must be an event's id (a whole number), found "${value}"`;
  return Number(text);
}

function settledEvent(task: TaskRecord, seq: number): RunFinishedEvent | undefined {
  if (task.status === "pending" || task.status === "running") return undefined;
  // "interrupted" (its process died) is a failure to a follower.
  const status = task.status === "interrupted" ? "failed" : task.status;
  const started = task.started_at ? Date.parse(task.started_at) : undefined;
  const finished = task.finished_at ? Date.parse(task.finished_at) : undefined;
  const failing = task.jobs.find((j) => j.status === "failed");
  return {
    v: RUN_EVENT_VERSION,
    seq,
    run_id: task.task_id,
    time: task.finished_at ?? new Date().toISOString(),
    type: "run.finished",
    workflow_id: task.workflow_id,
    status,
    duration_ms: started !== undefined && finished !== undefined ? finished - started : 0,
    ...(status === "completed" ? { output: task.output ?? null } : { error: task.error ?? task.status }),
    ...(failing ? { job_id: failing.id } : {}),
    jobs: task.jobs,
  };
}

/** The SSE response streaming run `runId` after `afterSeq`. */
export function eventStreamResponse(c: Context, deps: EventStreamDeps, runId: string, afterSeq: number) {
  // Proxies such as nginx buffer responses unless told not to.
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (stream) => {
    const abort = new AbortController();
    stream.onAbort(() => abort.abort());
    await streamRun(
      {
        write: (text) => stream.write(text),
        close: () => stream.close(),
        abort: () => stream.abort(),
      },
      {
        log: deps.log,
        runId,
        afterSeq,
        limits: deps.limits,
        signal: abort.signal,
        watchSettled: (listener) =>
          deps.bus.subscribe(runId, (m) => {
            if (m.type === "task.settled") listener();
          }),
        settled: async () => {
          const task = await deps.task(runId);
          return task ? settledEvent(task, afterSeq + 1) : undefined;
        },
      },
    );
  });
}
