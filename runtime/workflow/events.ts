/**
 * What a run says while it happens: one typed, versioned union of plain JSON values.
 * The same events go to `model-compose run`'s progress display, over the controller's
 * event bus and worker-thread ports, into a run's replay log and out as Server-Sent
 * Events; so they hold only data (no Error objects, no functions) and each carries the
 * run's own sequence number.
 */
import { isoNow } from "../clock.ts";
import type { JobState, RunStatus } from "./run-state.ts";

/** Bumped when a field changes meaning or goes away (adding one does not). */
export const RUN_EVENT_VERSION = 1;

/** Fields every event has. */
export interface RunEventBase {
  /** RUN_EVENT_VERSION of the engine that wrote it. */
  v: number;
  /** 1, 2, 3, ... within one run, in the order the events happened. */
  seq: number;
  run_id: string;
  /** ISO 8601 time the event happened. */
  time: string;
}

export interface RunStartedEvent extends RunEventBase {
  type: "run.started";
  workflow_id: string;
  /** Every job of the workflow with what it waits for (a sequential workflow: the job before). */
  jobs: { id: string; depends_on: string[] }[];
}

export interface RunFinishedEvent extends RunEventBase {
  type: "run.finished";
  workflow_id: string;
  status: Exclude<RunStatus, "pending" | "running">;
  /** From run.started (0 when the run never started). */
  duration_ms: number;
  /** The workflow's output, when completed. */
  output?: unknown;
  /** Why it failed or was cancelled. */
  error?: string;
  /** The job to blame, when one is. */
  job_id?: string;
  /** Every job's final state. */
  jobs: JobState[];
}

export interface JobStartedEvent extends RunEventBase {
  type: "job.started";
  job_id: string;
  /** 1 for the first attempt, 2 after one retry, ... */
  attempt: number;
}

export interface JobRetryingEvent extends RunEventBase {
  type: "job.retrying";
  job_id: string;
  /** The attempt that failed. */
  attempt: number;
  error: string;
  /** Wait before the next attempt. */
  delay_ms: number;
}

export interface JobSkippedEvent extends RunEventBase {
  type: "job.skipped";
  job_id: string;
}

export interface JobFinishedEvent extends RunEventBase {
  type: "job.finished";
  job_id: string;
  status: "completed" | "failed" | "cancelled";
  /** From the job's start; absent for a job cancelled before it started. */
  duration_ms?: number;
  attempts: number;
  /** The job's output, when completed. */
  output?: unknown;
  error?: string;
}

/** Where a log line comes from: a process's stdout or stderr, or a `logger` component. */
export type LogStream = "stdout" | "stderr" | "log";

export interface LogEvent extends RunEventBase {
  type: "log";
  job_id: string;
  stream: LogStream;
  /** One line, without its line break. */
  text: string;
  /** For stream "log": the line's level (debug, info, warning, error, critical). */
  level?: string;
}

export type RunEvent =
  | RunStartedEvent
  | RunFinishedEvent
  | JobStartedEvent
  | JobRetryingEvent
  | JobSkippedEvent
  | JobFinishedEvent
  | LogEvent;

export type RunEventType = RunEvent["type"];

/** An event before the sink stamps it. */
export type RunEventBody = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, keyof RunEventBase>
    : never
  : never;

export type RunEventListener = (event: RunEvent) => void;

/** Whether a message (from a bus, a port) is one of these events: versioned and numbered. */
export function isRunEvent(message: { type: string }): message is RunEvent {
  const m = message as Partial<RunEventBase>;
  return typeof m.v === "number" && typeof m.seq === "number" && typeof m.run_id === "string";
}

/** Whether the run is over after this event. */
export function isFinalEvent(event: RunEvent): event is RunFinishedEvent {
  return event.type === "run.finished";
}

/**
 * Numbers and stamps a run's events and hands them to the listener. `after` is the
 * last sequence number already used for this run (by whoever wrote its first events).
 * A listener that throws does not stop the run: following a run must not change it.
 */
export function eventSink(
  runId: string,
  listener: RunEventListener | undefined,
  after = 0,
): (body: RunEventBody) => void {
  let seq = after;
  if (!listener) return () => void seq++;
  return (body) => {
    seq++;
    const event = { v: RUN_EVENT_VERSION, seq, run_id: runId, time: isoNow(), ...body };
    try {
      listener(event as RunEvent);
    } catch {}
  };
}
