/**
 * The run store on SQL (SQLite or PostgreSQL through SqlDatabase): a row per run in
 * `tasks`, a row per job in `jobs` (so one job's update touches one row), values as
 * JSON text. A transition is one conditional UPDATE: the row changes only while its
 * status is one of the expected ones, which is the compare-and-set.
 */
import {
  isFinished,
  type JobRecord,
  TASK_STATUSES,
  type TaskFilter,
  type TaskPage,
  type TaskPatch,
  type TaskRecord,
  type TaskStatus,
} from "../task-record.ts";
import type { CallbackRecord, IdempotencyKey, IdempotentHit, PruneRule, TaskStore } from "../task-store.ts";
import { capJob, capPatch, withTruncated } from "../value-cap.ts";
import type { Row, SqlConnection, SqlDatabase, SqlValue } from "./database.ts";

/** Patch fields stored as JSON text. */
const JSON_COLUMNS = ["input", "output"] as const;
/** Patch fields stored as they are. */
const TEXT_COLUMNS = ["error", "started_at", "finished_at", "retry_of", "worker"] as const;
/** Patch fields stored as integers. */
const INT_COLUMNS = ["attempts"] as const;

const json = (value: unknown): SqlValue => (value === undefined ? null : JSON.stringify(value));
const parse = (text: unknown): unknown => (typeof text === "string" ? JSON.parse(text) : undefined);

function taskOf(row: Row, jobs: JobRecord[]): TaskRecord {
  const task: TaskRecord = {
    task_id: String(row.task_id),
    workflow_id: String(row.workflow_id),
    status: row.status as TaskStatus,
    created_at: String(row.created_at),
    jobs,
  };
  for (const key of JSON_COLUMNS) {
    const value = parse(row[key]);
    if (value !== undefined) (task as unknown as Record<string, unknown>)[key] = value;
  }
  for (const key of TEXT_COLUMNS) {
    if (typeof row[key] === "string") (task as unknown as Record<string, unknown>)[key] = row[key];
  }
  for (const key of INT_COLUMNS) {
    if (row[key] !== null && row[key] !== undefined)
      (task as unknown as Record<string, unknown>)[key] = Number(row[key]);
  }
  return task;
}

/** Rolls the create back when its idempotency key is already held. */
class KeyTaken extends Error {
  constructor(readonly hit: IdempotentHit) {
    super("idempotency key taken");
  }
}

const placeholders = (n: number) => Array(n).fill("?").join(", ");

export class SqlTaskStore implements TaskStore {
  readonly driver: string;

  constructor(
    readonly db: SqlDatabase,
    private readonly options: {
      /** Recorded on each run this process starts (for recovery after a crash). */
      owner?: string;
      /** A value larger than this is stored as a marker (0: no limit). */
      maxValueSize?: number;
    } = {},
  ) {
    this.driver = db.dialect;
  }

  private get owner(): string | undefined {
    return this.options.owner;
  }

  async create(given: TaskRecord, idempotency?: IdempotencyKey): Promise<IdempotentHit | undefined> {
    const task = { ...given, ...capPatch(given, this.options.maxValueSize ?? 0) };
    return this.db
      .transaction(async (tx) => {
        await tx.run(
          `INSERT INTO tasks (task_id, workflow_id, status, input, output, error, created_at, started_at, finished_at, retry_of, owner, attempts, worker)
         VALUES (${placeholders(13)})`,
          [
            task.task_id,
            task.workflow_id,
            task.status,
            json(task.input),
            json(task.output),
            task.error ?? null,
            task.created_at,
            task.started_at ?? null,
            task.finished_at ?? null,
            task.retry_of ?? null,
            this.owner ?? null,
            task.attempts ?? null,
            task.worker ?? null,
          ],
        );
        for (const [i, job] of task.jobs.entries()) await this.putJob(tx, task.task_id, job, i);
        if (!idempotency) return undefined;
        // The key's row and the run's are written together: a taken key undoes neither
        // half alone. ON CONFLICT DO NOTHING, then read who holds it.
        const claimed = await tx.run(
          "INSERT INTO idempotency_keys (key, request_hash, task_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
          [idempotency.key, idempotency.hash, task.task_id, task.created_at],
        );
        if (claimed === 1) return undefined;
        const held = await tx.all("SELECT task_id, request_hash FROM idempotency_keys WHERE key = ?", [
          idempotency.key,
        ]);
        throw new KeyTaken({ task_id: String(held[0].task_id), hash: String(held[0].request_hash) });
      })
      .catch((error) => {
        if (error instanceof KeyTaken) return error.hit;
        throw error;
      });
  }

  async findIdempotencyKey(key: string): Promise<IdempotentHit | undefined> {
    const rows = await this.db.all("SELECT task_id, request_hash FROM idempotency_keys WHERE key = ?", [key]);
    return rows.length ? { task_id: String(rows[0].task_id), hash: String(rows[0].request_hash) } : undefined;
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    return this.read(this.db, taskId);
  }

  private async read(conn: SqlConnection, taskId: string): Promise<TaskRecord | undefined> {
    const rows = await conn.all("SELECT * FROM tasks WHERE task_id = ?", [taskId]);
    if (!rows.length) return undefined;
    return withTruncated(taskOf(rows[0], await this.jobsOf(conn, taskId)));
  }

  private async jobsOf(conn: SqlConnection, taskId: string): Promise<JobRecord[]> {
    const jobs = await conn.all("SELECT state FROM jobs WHERE task_id = ? ORDER BY position", [taskId]);
    return jobs.map((j) => parse(j.state) as JobRecord);
  }

  async transition(
    taskId: string,
    from: readonly TaskStatus[],
    to: TaskStatus,
    given: TaskPatch = {},
  ): Promise<TaskRecord | undefined> {
    if (!from.length) return undefined;
    const patch = capPatch(given, this.options.maxValueSize ?? 0);
    const sets = ["status = ?"];
    const values: SqlValue[] = [to];
    for (const key of JSON_COLUMNS) {
      if (key in patch) {
        sets.push(`${key} = ?`);
        values.push(json(patch[key]));
      }
    }
    for (const key of [...TEXT_COLUMNS, ...INT_COLUMNS]) {
      if (key in patch) {
        sets.push(`${key} = ?`);
        values.push(patch[key] ?? null);
      }
    }
    if (to === "running" && this.owner) {
      sets.push("owner = ?");
      values.push(this.owner);
    }
    // The compare-and-set and the read of the row are one statement (RETURNING); only
    // a patch with jobs needs a transaction around its job rows. A move to running
    // was five round trips to PostgreSQL, now two.
    const update = `UPDATE tasks SET ${sets.join(", ")} WHERE task_id = ? AND status IN (${placeholders(from.length)}) RETURNING *`;
    const params = [...values, taskId, ...from];
    const apply = async (conn: SqlConnection): Promise<TaskRecord | undefined> => {
      const rows = await conn.all(update, params);
      if (rows.length === 0) return undefined;
      if (patch.jobs) for (const job of patch.jobs) await this.putJob(conn, taskId, job);
      return withTruncated(taskOf(rows[0], await this.jobsOf(conn, taskId)));
    };
    return patch.jobs ? this.db.transaction(apply) : apply(this.db);
  }

  async updateJob(taskId: string, job: JobRecord): Promise<void> {
    await this.putJob(this.db, taskId, capJob(job, this.options.maxValueSize ?? 0));
  }

  /** Inserts or replaces one job; a new job goes after the others unless `position` says. */
  private async putJob(
    conn: SqlConnection,
    taskId: string,
    job: JobRecord,
    position?: number,
  ): Promise<void> {
    const upsert = "ON CONFLICT (task_id, job_id) DO UPDATE SET state = excluded.state";
    if (position !== undefined) {
      await conn.run(`INSERT INTO jobs (task_id, job_id, position, state) VALUES (?, ?, ?, ?) ${upsert}`, [
        taskId,
        job.id,
        position,
        JSON.stringify(job),
      ]);
      return;
    }
    // The aggregate makes exactly one row, also for a run without jobs yet.
    await conn.run(
      `INSERT INTO jobs (task_id, job_id, position, state)
       SELECT ?, ?, COALESCE(MAX(position) + 1, 0), ? FROM jobs WHERE task_id = ? ${upsert}`,
      [taskId, job.id, JSON.stringify(job), taskId],
    );
  }

  async list(filter: TaskFilter, cursor: string | undefined, limit: number): Promise<TaskPage> {
    const where: string[] = [];
    const values: SqlValue[] = [];
    if (cursor !== undefined) {
      where.push("task_id < ?");
      values.push(cursor);
    }
    if (filter.workflow_id !== undefined) {
      where.push("workflow_id = ?");
      values.push(filter.workflow_id);
    }
    if (filter.status?.length) {
      where.push(`status IN (${placeholders(filter.status.length)})`);
      values.push(...filter.status);
    }
    if (filter.since !== undefined) {
      where.push("created_at >= ?");
      values.push(filter.since);
    }
    if (filter.until !== undefined) {
      where.push("created_at <= ?");
      values.push(filter.until);
    }
    const rows = await this.db.all(
      `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY task_id DESC LIMIT ?`,
      [...values, limit + 1],
    );
    const page = rows.slice(0, limit);
    const jobsByTask = new Map<string, JobRecord[]>();
    if (page.length) {
      const ids = page.map((r) => String(r.task_id));
      const jobRows = await this.db.all(
        `SELECT task_id, state FROM jobs WHERE task_id IN (${placeholders(ids.length)}) ORDER BY task_id, position`,
        ids,
      );
      for (const j of jobRows) {
        const id = String(j.task_id);
        const list = jobsByTask.get(id) ?? [];
        list.push(parse(j.state) as JobRecord);
        jobsByTask.set(id, list);
      }
    }
    const tasks = page.map((r) => withTruncated(taskOf(r, jobsByTask.get(String(r.task_id)) ?? [])));
    return { tasks, next_cursor: rows.length > limit ? tasks[tasks.length - 1].task_id : undefined };
  }

  async prune(rule: PruneRule): Promise<number> {
    const finished = TASK_STATUSES.filter(isFinished);
    const isDone = `status IN (${placeholders(finished.length)})`;
    let removed = 0;
    if (rule.finishedBefore !== undefined) {
      removed += await this.db.run(`DELETE FROM tasks WHERE ${isDone} AND created_at < ?`, [
        ...finished,
        rule.finishedBefore,
      ]);
    }
    if (rule.keepNewest !== undefined) {
      const edge = await this.db.all(
        `SELECT task_id FROM tasks WHERE ${isDone} ORDER BY task_id DESC LIMIT 1 OFFSET ?`,
        [...finished, rule.keepNewest],
      );
      if (edge.length) {
        removed += await this.db.run(`DELETE FROM tasks WHERE ${isDone} AND task_id <= ?`, [
          ...finished,
          String(edge[0].task_id),
        ]);
      }
    }
    return removed;
  }

  async putCallback(cb: CallbackRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO callbacks (task_id, url, headers, state, attempts, next_attempt_at, last_error, delivered_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (task_id) DO UPDATE SET state = excluded.state, attempts = excluded.attempts,
         next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error, delivered_at = excluded.delivered_at`,
      [
        cb.task_id,
        cb.url,
        JSON.stringify(cb.headers),
        cb.state,
        cb.attempts,
        cb.next_attempt_at ?? null,
        cb.last_error ?? null,
        cb.delivered_at ?? null,
      ],
    );
  }

  async dueCallbacks(now: string, limit: number): Promise<CallbackRecord[]> {
    const finished = TASK_STATUSES.filter(isFinished);
    const rows = await this.db.all(
      // From the outbox (callbacks_due), each probing its run: a join let the planner
      // walk every finished run instead, a scan of the history per call.
      `SELECT c.* FROM callbacks c
       WHERE c.state = 'pending' AND (c.next_attempt_at IS NULL OR c.next_attempt_at <= ?)
         AND EXISTS (SELECT 1 FROM tasks t WHERE t.task_id = c.task_id AND t.status IN (${placeholders(finished.length)}))
       ORDER BY c.task_id LIMIT ?`,
      [now, ...finished, limit],
    );
    return rows.map((r) => {
      const cb: CallbackRecord = {
        task_id: String(r.task_id),
        url: String(r.url),
        headers: JSON.parse(String(r.headers)),
        state: r.state as CallbackRecord["state"],
        attempts: Number(r.attempts),
      };
      if (typeof r.next_attempt_at === "string") cb.next_attempt_at = r.next_attempt_at;
      if (typeof r.last_error === "string") cb.last_error = r.last_error;
      if (typeof r.delivered_at === "string") cb.delivered_at = r.delivered_at;
      return cb;
    });
  }

  async ping(): Promise<void> {
    await this.db.all("SELECT 1 AS ok");
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
