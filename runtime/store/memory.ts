/**
 * The run store in this process's memory (`controller.store: memory`): nothing
 * survives the process. Keeps every unfinished run and the most recent `historyLimit`
 * finished ones; the oldest finished run is evicted first.
 */
import {
  isFinished,
  type JobRecord,
  type TaskFilter,
  type TaskPage,
  type TaskPatch,
  type TaskRecord,
  type TaskStatus,
} from "./task-record.ts";
import type { TaskStore } from "./task-store.ts";

/** A deep copy, so a caller holding a record cannot change the stored one (as with a database). */
const copy = <T>(value: T): T => structuredClone(value);

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
  /** Finished task ids, oldest first. */
  private readonly finished: string[] = [];

  constructor(private readonly historyLimit = 1000) {}

  async create(task: TaskRecord): Promise<void> {
    if (this.tasks.has(task.task_id)) throw new Error(`task ${task.task_id} already exists`);
    this.tasks.set(task.task_id, copy(task));
    if (isFinished(task.status)) this.noteFinished(task.task_id);
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    const task = this.tasks.get(taskId);
    return task && copy(task);
  }

  async transition(
    taskId: string,
    from: readonly TaskStatus[],
    to: TaskStatus,
    patch: TaskPatch = {},
  ): Promise<TaskRecord | undefined> {
    const current = this.tasks.get(taskId);
    if (!current || !from.includes(current.status)) return undefined;
    const next = { ...current, ...copy(patch), status: to };
    this.tasks.set(taskId, next);
    if (!isFinished(current.status) && isFinished(to)) this.noteFinished(taskId);
    return copy(next);
  }

  async updateJob(taskId: string, job: JobRecord): Promise<void> {
    const current = this.tasks.get(taskId);
    if (!current) return;
    const jobs = current.jobs.some((j) => j.id === job.id)
      ? current.jobs.map((j) => (j.id === job.id ? copy(job) : j))
      : [...current.jobs, copy(job)];
    this.tasks.set(taskId, { ...current, jobs });
  }

  async list(filter: TaskFilter, cursor: string | undefined, limit: number): Promise<TaskPage> {
    const selected = [...this.tasks.values()]
      .filter((t) => (cursor === undefined || t.task_id < cursor) && matches(t, filter))
      .sort((a, b) => (a.task_id < b.task_id ? 1 : -1));
    const tasks = selected.slice(0, limit).map(copy);
    return {
      tasks,
      next_cursor: selected.length > limit ? tasks[tasks.length - 1].task_id : undefined,
    };
  }

  async close(): Promise<void> {}

  private noteFinished(taskId: string): void {
    this.finished.push(taskId);
    while (this.finished.length > this.historyLimit) this.tasks.delete(this.finished.shift()!);
  }
}
