/**
 * The run store: narrow, asynchronous operations, so a database can implement them
 * with one statement each and several processes can share one store.
 *
 * - `transition` is a compare-and-set on the status: it changes a run only when it is
 *   in one of the expected states, so a cancel and a finish cannot both win.
 * - `updateJob` writes one job without rewriting the others (jobs of a graph finish
 *   concurrently).
 * - `list` pages newest first with an opaque cursor (task ids are ULIDs, which sort by
 *   creation time).
 */
import type { JobRecord, TaskFilter, TaskPage, TaskPatch, TaskRecord, TaskStatus } from "./task-record.ts";

export interface TaskStore {
  /** "memory", "sqlite", "postgres": for messages and /health. */
  readonly driver: string;
  /**
   * Records a new run; its task_id must be new. With `idempotency`, the key is
   * recorded with it in one step; when the key is already taken, nothing is created
   * and the run that holds it is returned instead.
   */
  create(task: TaskRecord, idempotency?: IdempotencyKey): Promise<IdempotentHit | undefined>;
  /** The run an idempotency key belongs to. */
  findIdempotencyKey(key: string): Promise<IdempotentHit | undefined>;
  get(taskId: string): Promise<TaskRecord | undefined>;
  /**
   * Moves a run from one of `from` to `to`, applying `patch`; the updated record, or
   * undefined when the run is unknown or in none of `from` (someone else moved it).
   */
  transition(
    taskId: string,
    from: readonly TaskStatus[],
    to: TaskStatus,
    patch?: TaskPatch,
  ): Promise<TaskRecord | undefined>;
  /** Replaces the state of the job `job.id` of a run, leaving its other jobs alone. */
  updateJob(taskId: string, job: JobRecord): Promise<void>;
  /** A page of at most `limit` runs matching `filter`, older than `cursor`. */
  list(filter: TaskFilter, cursor: string | undefined, limit: number): Promise<TaskPage>;
  /**
   * Removes finished runs created before `finishedBefore` and finished runs beyond the
   * newest `keepNewest`; unfinished runs are never removed. Returns how many went.
   */
  prune(rule: PruneRule): Promise<number>;
  /** Records (or updates) a run's completion callback: the outbox. */
  putCallback(callback: CallbackRecord): Promise<void>;
  /** Callbacks to deliver now: pending, their run finished, their next attempt due. */
  dueCallbacks(now: string, limit: number): Promise<CallbackRecord[]>;
  /** Throws when the store cannot be reached now. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface IdempotencyKey {
  key: string;
  /** A hash of the request body: the same key with another body is a conflict. */
  hash: string;
}

export interface IdempotentHit {
  task_id: string;
  hash: string;
}

/** A run's completion callback and its delivery state. */
export interface CallbackRecord {
  task_id: string;
  url: string;
  headers: Record<string, string>;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  /** ISO time; absent: as soon as the run has finished. */
  next_attempt_at?: string;
  last_error?: string;
  delivered_at?: string;
}

export interface PruneRule {
  /** ISO time. */
  finishedBefore?: string;
  keepNewest?: number;
}
