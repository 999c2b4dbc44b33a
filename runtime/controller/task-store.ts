/**
 * Where the controller keeps the state of runs ("tasks"). An interface, so a durable
 * store can replace the in-memory one without touching the routes or the run manager.
 */
import type { JobState, RunStatus } from "../workflow/run-state.ts";

export interface TaskRecord {
  task_id: string;
  workflow_id: string;
  status: RunStatus;
  output?: unknown;
  error?: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  jobs: JobState[];
}

export interface TaskStore {
  put(task: TaskRecord): void;
  update(taskId: string, patch: Partial<TaskRecord>): TaskRecord | undefined;
  get(taskId: string): TaskRecord | undefined;
  /** Tasks not finished yet (pending or running). */
  unfinished(): TaskRecord[];
}

const FINISHED = new Set<RunStatus>(["completed", "failed", "cancelled"]);

export function isFinished(status: RunStatus): boolean {
  return FINISHED.has(status);
}

/**
 * Keeps every unfinished task and the most recent `historyLimit` finished ones; the
 * oldest finished task is evicted first.
 */
export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, TaskRecord>();
  /** Finished task ids, oldest first. */
  private readonly finished: string[] = [];

  constructor(private readonly historyLimit = 1000) {}

  put(task: TaskRecord): void {
    this.tasks.set(task.task_id, task);
    if (isFinished(task.status)) this.noteFinished(task.task_id);
  }

  update(taskId: string, patch: Partial<TaskRecord>): TaskRecord | undefined {
    const current = this.tasks.get(taskId);
    if (!current) return undefined;
    const next = { ...current, ...patch };
    this.tasks.set(taskId, next);
    if (!isFinished(current.status) && isFinished(next.status)) this.noteFinished(taskId);
    return next;
  }

  get(taskId: string): TaskRecord | undefined {
    return this.tasks.get(taskId);
  }

  unfinished(): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => !isFinished(t.status));
  }

  private noteFinished(taskId: string): void {
    this.finished.push(taskId);
    while (this.finished.length > this.historyLimit) this.tasks.delete(this.finished.shift()!);
  }
}
