/**
 * The run store in this process's memory (`controller.store: memory`): nothing
 * survives the process. Keeps every unfinished run and the most recent `historyLimit`
 * finished ones; the oldest finished run is evicted first. The outputs of finished runs
 * share a byte budget (`output_budget`): past it, the oldest finished runs' outputs are
 * replaced by markers (value-cap.ts), so memory stays bounded whatever runs return.
 */

import { OrderedIds } from "./ordered-ids.ts";
import { frozenCopy, frozenValues } from "./plain-copy.ts";
import {
  isFinished,
  type JobRecord,
  type TaskFilter,
  type TaskPage,
  type TaskPatch,
  type TaskRecord,
  type TaskStatus,
} from "./task-record.ts";
import type { CallbackRecord, IdempotencyKey, IdempotentHit, PruneRule, TaskStore } from "./task-store.ts";
import {
  capJob,
  capPatch,
  isTruncated,
  jsonBytes,
  markerOf,
  takeMeasuredBytes,
  withTruncated,
} from "./value-cap.ts";

export interface MemoryStoreOptions {
  /** Finished runs kept (the newest). */
  historyLimit?: number;
  /** Bytes of finished runs' outputs kept as they are (0: no budget). */
  outputBudget?: number;
  /** A value larger than this is stored as a marker (0: no limit). */
  maxValueSize?: number;
}

/**
 * A caller holding a record must not be able to change the stored one (as with a
 * database). Records are kept frozen (with `truncated` derived once, when written) and
 * handed out as they are: a read copies nothing, and a write copies only what it
 * brings (plain-copy.ts): `made` is a record the store has just put together from the
 * frozen fields it held and frozen copies of the change, and is frozen in place.
 * Copying on every read was a fifth of a waited run's CPU time (docs/benchmarks.md).
 */
function seal(made: TaskRecord): TaskRecord {
  const task = withTruncated(made);
  // The record's own lists may be new (a job written, a field shortened): frozen with it.
  Object.freeze(task.jobs);
  if (task.truncated) Object.freeze(task.truncated);
  return Object.freeze(task);
}

export function matches(task: TaskRecord, filter: TaskFilter): boolean {
  if (filter.workflow_id !== undefined && task.workflow_id !== filter.workflow_id) return false;
  if (filter.status?.length && !filter.status.includes(task.status)) return false;
  if (filter.since !== undefined && task.created_at < filter.since) return false;
  if (filter.until !== undefined && task.created_at > filter.until) return false;
  return true;
}

export class MemoryTaskStore implements TaskStore {
  readonly driver = "memory";
  private readonly tasks = new Map<string, TaskRecord>();
  /**
   * Job states written to a run since its record was last put together, by job id. A
   * job write only lands here; the record takes them in when it is next read or moved.
   * Rebuilding (and freezing) the whole job list at every write made a run's job writes
   * quadratic in its jobs: 0.55 s of store time for a run of 1000 jobs.
   */
  private readonly jobEdits = new Map<string, Map<string, JobRecord>>();
  /** Finished task ids, oldest first. */
  private readonly finished = new OrderedIds();
  /**
   * Bytes of output each finished run holds unshortened, and their sum. Only runs whose
   * outputs are still whole are in it, oldest first: the budget shortens from its start
   * without stepping over every run already shortened.
   */
  private readonly outputBytes = new Map<string, number>();
  private keptBytes = 0;
  private readonly historyLimit: number;
  private readonly outputBudget: number;
  private readonly maxValueSize: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 1000;
    this.outputBudget = options.outputBudget ?? 0;
    this.maxValueSize = options.maxValueSize ?? 0;
  }

  private readonly keys = new Map<string, IdempotentHit>();
  /** The idempotency key of each run that has one: forgetting a run drops its key without a scan. */
  private readonly keyOf = new Map<string, string>();

  async create(task: TaskRecord, idempotency?: IdempotencyKey): Promise<IdempotentHit | undefined> {
    if (this.tasks.has(task.task_id)) throw new Error(`task ${task.task_id} already exists`);
    if (idempotency) {
      const held = this.keys.get(idempotency.key);
      if (held) return { ...held };
      this.keys.set(idempotency.key, { task_id: task.task_id, hash: idempotency.hash });
      this.keyOf.set(task.task_id, idempotency.key);
    }
    const { truncated: _, ...rest } = task;
    this.tasks.set(task.task_id, seal(frozenValues(capPatch(rest, this.maxValueSize))));
    if (isFinished(task.status)) this.noteFinished(task.task_id);
    return undefined;
  }

  async findIdempotencyKey(key: string): Promise<IdempotentHit | undefined> {
    const held = this.keys.get(key);
    return held && { ...held };
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    return this.current(taskId);
  }

  /** The run's record with the job states written since it was put together. */
  private current(taskId: string): TaskRecord | undefined {
    const task = this.tasks.get(taskId);
    const edits = this.jobEdits.get(taskId);
    if (task === undefined || edits === undefined) return task;
    this.jobEdits.delete(taskId);
    const jobs = task.jobs.map((j) => {
      const edited = edits.get(j.id);
      if (edited === undefined) return j;
      edits.delete(j.id);
      return edited;
    });
    // Jobs the record did not list yet, in the order they were first written.
    for (const job of edits.values()) jobs.push(job);
    const next = seal({ ...task, jobs });
    this.tasks.set(taskId, next);
    return next;
  }

  async transition(
    taskId: string,
    from: readonly TaskStatus[],
    to: TaskStatus,
    patch: TaskPatch = {},
  ): Promise<TaskRecord | undefined> {
    // Job writes change no status: the compare-and-set can look at the record as it is.
    const held = this.tasks.get(taskId);
    if (!held || !from.includes(held.status)) return undefined;
    // A patch with the jobs replaces them all, and with them the states written before it.
    if (patch.jobs !== undefined) this.jobEdits.delete(taskId);
    const current = this.current(taskId)!;
    const next = seal({ ...current, ...frozenValues(capPatch(patch, this.maxValueSize)), status: to });
    this.tasks.set(taskId, next);
    if (!isFinished(current.status) && isFinished(to)) this.noteFinished(taskId, patch.output);
    return this.tasks.get(taskId);
  }

  async updateJob(taskId: string, given: JobRecord): Promise<void> {
    if (!this.tasks.has(taskId)) return;
    // Only the job written is copied; the others are the frozen ones already held.
    const job = frozenCopy(capJob(given, this.maxValueSize));
    let edits = this.jobEdits.get(taskId);
    if (edits === undefined) {
      edits = new Map();
      this.jobEdits.set(taskId, edits);
    }
    edits.set(job.id, job);
  }

  async list(filter: TaskFilter, cursor: string | undefined, limit: number): Promise<TaskPage> {
    const selected = [...this.tasks.values()]
      .filter((t) => (cursor === undefined || t.task_id < cursor) && matches(t, filter))
      .sort((a, b) => (a.task_id < b.task_id ? 1 : -1));
    const tasks = selected.slice(0, limit).map((t) => this.current(t.task_id)!);
    return {
      tasks,
      next_cursor: selected.length > limit ? tasks[tasks.length - 1].task_id : undefined,
    };
  }

  async prune(rule: PruneRule): Promise<number> {
    const doomed = new Set<string>();
    if (rule.finishedBefore !== undefined) {
      for (const id of this.finished) {
        if (this.tasks.get(id)!.created_at < rule.finishedBefore) doomed.add(id);
      }
    }
    if (rule.keepNewest !== undefined) {
      const newestFirst = [...this.finished].sort().reverse();
      for (const id of newestFirst.slice(rule.keepNewest)) doomed.add(id);
    }
    for (const id of doomed) {
      this.finished.delete(id);
      this.forget(id);
    }
    return doomed.size;
  }

  private readonly callbacks = new Map<string, CallbackRecord>();

  async putCallback(callback: CallbackRecord): Promise<void> {
    this.callbacks.set(callback.task_id, frozenCopy(callback));
  }

  async dueCallbacks(now: string, limit: number): Promise<CallbackRecord[]> {
    const due: CallbackRecord[] = [];
    for (const cb of this.callbacks.values()) {
      const task = this.tasks.get(cb.task_id);
      if (cb.state !== "pending" || !task || !isFinished(task.status)) continue;
      if (cb.next_attempt_at !== undefined && cb.next_attempt_at > now) continue;
      due.push(cb);
      if (due.length >= limit) break;
    }
    return due;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  /** `given` is the run's output as the finishing write brought it, before it was copied. */
  private noteFinished(taskId: string, given?: unknown): void {
    this.finished.add(taskId);
    while (this.finished.size > this.historyLimit) this.forget(this.finished.shift()!);
    if (this.outputBudget <= 0) return;
    const task = this.tasks.get(taskId)!;
    // The run's output is often its last job's, one shared copy: serialised once, counted
    // for each. Kept as given, it was measured against max_value_size just now, in this
    // same write, and that measure is taken.
    const measuredNow = this.maxValueSize > 0 && !isTruncated(task.output);
    const outputBytes = (measuredNow ? takeMeasuredBytes(given) : undefined) ?? jsonBytes(task.output);
    const bytes =
      outputBytes +
      task.jobs.reduce((n, j) => n + (j.output === task.output ? outputBytes : jsonBytes(j.output)), 0);
    if (bytes === 0) return;
    this.outputBytes.set(taskId, bytes);
    this.keptBytes += bytes;
    // Oldest first; the run just finished last, so its caller's record stays whole if it
    // fits. Within the budget, no iterator is made: finding a Map's first entry steps over
    // the entries deleted before it (ordered-ids.ts).
    if (this.keptBytes <= this.outputBudget) return;
    for (const id of this.outputBytes.keys()) {
      if (this.keptBytes <= this.outputBudget) break;
      this.shorten(id);
    }
  }

  /** Replaces a finished run's outputs by markers, giving their bytes back to the budget. */
  private shorten(taskId: string): void {
    const bytes = this.outputBytes.get(taskId);
    const task = this.current(taskId);
    if (!bytes || !task) return;
    const mark = (value: unknown) =>
      value === undefined || isTruncated(value) ? value : frozenCopy(markerOf(value, this.outputBudget));
    const jobs = task.jobs.map((j) => ("output" in j ? Object.freeze({ ...j, output: mark(j.output) }) : j));
    this.tasks.set(taskId, seal({ ...task, output: mark(task.output), jobs }));
    this.keptBytes -= bytes;
    this.outputBytes.delete(taskId);
  }

  private forget(taskId: string): void {
    this.tasks.delete(taskId);
    this.jobEdits.delete(taskId);
    this.callbacks.delete(taskId);
    // Keys expire with their runs.
    const key = this.keyOf.get(taskId);
    if (key !== undefined) {
      this.keys.delete(key);
      this.keyOf.delete(taskId);
    }
    this.keptBytes -= this.outputBytes.get(taskId) ?? 0;
    this.outputBytes.delete(taskId);
  }
}
