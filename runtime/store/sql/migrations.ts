/**
 * The run store's schema, as numbered migrations applied in order on start. Each runs
 * once per database (schema_migrations records it) inside the migration lock, so two
 * controllers starting at once against an empty database apply it once between them.
 * A migration never changes once released: add a new one instead.
 *
 * Values are JSON text and times ISO 8601 text in both dialects, so the same SQL
 * serves SQLite and PostgreSQL and a record reads back byte for byte.
 */
import type { SqlConnection, SqlDatabase } from "./database.ts";

export interface Migration {
  version: number;
  description: string;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "tasks, their jobs, idempotency keys, the callback outbox",
    statements: [
      `CREATE TABLE tasks (
        task_id TEXT PRIMARY KEY,
        workflow_id TEXT NOT NULL,
        status TEXT NOT NULL,
        input TEXT,
        output TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        retry_of TEXT,
        attempts INTEGER,
        worker TEXT,
        owner TEXT
      )`,
      "CREATE INDEX tasks_workflow ON tasks (workflow_id, task_id)",
      "CREATE INDEX tasks_status ON tasks (status, task_id)",
      "CREATE INDEX tasks_created ON tasks (created_at)",
      `CREATE TABLE jobs (
        task_id TEXT NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE,
        job_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (task_id, job_id)
      )`,
      `CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        request_hash TEXT NOT NULL,
        task_id TEXT NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE,
        created_at TEXT NOT NULL
      )`,
      "CREATE INDEX idempotency_task ON idempotency_keys (task_id)",
      `CREATE TABLE callbacks (
        task_id TEXT PRIMARY KEY REFERENCES tasks (task_id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        headers TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TEXT,
        last_error TEXT,
        delivered_at TEXT
      )`,
      "CREATE INDEX callbacks_due ON callbacks (state, next_attempt_at)",
    ],
  },
];

/** Applies the migrations the database lacks; returns the versions applied now. */
export async function migrate(
  db: SqlDatabase,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return db.migrationLock(async (tx: SqlConnection) => {
    await tx.run(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)",
    );
    const rows = await tx.all("SELECT MAX(version) AS v FROM schema_migrations");
    const current = Number(rows[0]?.v ?? 0);
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current) continue;
      for (const statement of m.statements) await tx.run(statement);
      await tx.run("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)", [
        m.version,
        m.description,
        new Date().toISOString(),
      ]);
      applied.push(m.version);
    }
    return applied;
  });
}
