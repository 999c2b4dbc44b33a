/**
 * An http-server's store with the queue behind it: a run this store does not have (one
 * another controller of the cluster submitted) is read from its job in Redis, so
 * `GET /tasks/{id}` and cancel answer for it too. Everything else is the store's.
 */
import { ServiceUnavailableError } from "../../errors.ts";
import type {
  JobRecord,
  TaskFilter,
  TaskPage,
  TaskPatch,
  TaskRecord,
  TaskStatus,
} from "../../store/task-record.ts";
import type {
  CallbackRecord,
  IdempotencyKey,
  IdempotentHit,
  PruneRule,
  TaskStore,
} from "../../store/task-store.ts";

export class ReadThroughStore implements TaskStore {
  constructor(
    private readonly store: TaskStore,
    private readonly lookUp: (taskId: string) => Promise<TaskRecord | undefined>,
    private readonly where: string,
  ) {}

  get driver(): string {
    return this.store.driver;
  }

  create(task: TaskRecord, idempotency?: IdempotencyKey): Promise<IdempotentHit | undefined> {
    return this.store.create(task, idempotency);
  }

  findIdempotencyKey(key: string): Promise<IdempotentHit | undefined> {
    return this.store.findIdempotencyKey(key);
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    const known = await this.store.get(taskId);
    if (known) return known;
    try {
      return await this.lookUp(taskId);
    } catch (error) {
      throw new ServiceUnavailableError(
        `the run queue (${this.where}) is unavailable: ${(error as Error).message}; try again later`,
      );
    }
  }

  transition(
    taskId: string,
    from: readonly TaskStatus[],
    to: TaskStatus,
    patch?: TaskPatch,
  ): Promise<TaskRecord | undefined> {
    return this.store.transition(taskId, from, to, patch);
  }

  updateJob(taskId: string, job: JobRecord): Promise<void> {
    return this.store.updateJob(taskId, job);
  }

  list(filter: TaskFilter, cursor: string | undefined, limit: number): Promise<TaskPage> {
    return this.store.list(filter, cursor, limit);
  }

  prune(rule: PruneRule): Promise<number> {
    return this.store.prune(rule);
  }

  putCallback(callback: CallbackRecord): Promise<void> {
    return this.store.putCallback(callback);
  }

  dueCallbacks(now: string, limit: number): Promise<CallbackRecord[]> {
    return this.store.dueCallbacks(now, limit);
  }

  ping(): Promise<void> {
    return this.store.ping();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
