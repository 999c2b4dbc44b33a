/**
 * What the run store keeps per run ("task"): the request, its state, its jobs. Plain
 * JSON values only, so every store (memory, SQLite, PostgreSQL) holds the same shape
 * and the API returns it as is.
 */
import type { JobState, RunStatus } from "../workflow/run-state.ts";

/**
 * A run's status as recorded. `interrupted`: the process executing it died (found so
 * when a controller starts); it is final, like completed, failed and cancelled.
 */
export type TaskStatus = RunStatus | "interrupted";

export const TASK_STATUSES: readonly TaskStatus[] = [
  "pending",
  "running",
  "completed",
  "failed",
  "cancelled",
  "interrupted",
];

const FINISHED = new Set<TaskStatus>(["completed", "failed", "cancelled", "interrupted"]);

export function isFinished(status: TaskStatus): boolean {
  return FINISHED.has(status);
}

/** One job as recorded: its engine state and, once completed, its output. */
export interface JobRecord extends JobState {
  output?: unknown;
}

export interface TaskRecord {
  task_id: string;
  workflow_id: string;
  status: TaskStatus;
  /** The run's input as submitted. */
  input?: unknown;
  output?: unknown;
  error?: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  jobs: JobRecord[];
  /** The run this one retries (POST /tasks/{id}/retry). */
  retry_of?: string;
  /** Executions begun (run queue): 2 or more when a worker died and another took the run over. */
  attempts?: number;
  /** The queue worker that executes or executed the run (`host:pid`). */
  worker?: string;
  /**
   * Fields stored shortened because they exceeded the store's `max_value_size`
   * (`output`, `input`, `jobs.<id>.output`, ...); each holds a marker instead
   * (value-cap.ts). Derived from the markers when read, never stored itself.
   */
  truncated?: string[];
}

/** Fields a transition may set besides the status. */
export type TaskPatch = Partial<
  Omit<TaskRecord, "task_id" | "workflow_id" | "status" | "created_at" | "truncated">
>;

/** What `list` selects; every field narrows, none means all. */
export interface TaskFilter {
  workflow_id?: string;
  status?: readonly TaskStatus[];
  /** ISO times, inclusive: created at or after `since`, at or before `until`. */
  since?: string;
  until?: string;
}

export interface TaskPage {
  /** Newest first. */
  tasks: TaskRecord[];
  /** Pass back as `cursor` for the next (older) page; absent on the last page. */
  next_cursor?: string;
}
