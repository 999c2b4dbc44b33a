/**
 * SqlDatabase on one SQLite file (the runtime's own driver, runtime/host/sqlite.ts), in
 * WAL mode so readers do not wait for the writer. The driver is synchronous and the
 * connection is one: statements are queued so a transaction never interleaves with
 * another caller's statements. A second process on the same file waits for the write
 * lock (busy_timeout) instead of failing.
 */
import { openSqlite, type SqliteDatabase } from "../../host/mod.ts";
import type { Row, SqlConnection, SqlDatabase, SqlValue } from "./database.ts";

/** How long a statement waits for another process's write lock. */
const BUSY_TIMEOUT_MS = 10_000;

export async function openSqliteDatabase(path: string): Promise<SqlDatabase> {
  const db = await openSqlite(path);
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.exec("PRAGMA journal_mode = WAL");
  // WAL makes NORMAL safe against corruption; a power cut may lose the last commits only.
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  return new SqliteSqlDatabase(db);
}

class SqliteSqlDatabase implements SqlDatabase {
  readonly dialect = "sqlite";
  private queue: Promise<unknown> = Promise.resolve();
  private readonly direct: SqlConnection;

  constructor(private readonly db: SqliteDatabase) {
    this.direct = {
      all: async (sql, params = []) => db.prepare(sql).all(...(params as SqlValue[])) as Row[],
      run: async (sql, params = []) => Number(db.prepare(sql).run(...(params as SqlValue[])).changes),
    };
  }

  /** Runs `fn` once every earlier queued call has finished. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.serial(() => this.direct.all(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.serial(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlConnection) => Promise<T>, begin = "BEGIN"): Promise<T> {
    return this.serial(async () => {
      this.db.exec(begin);
      try {
        const result = await fn(this.direct);
        this.db.exec("COMMIT");
        return result;
      } catch (error) {
        this.db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  migrationLock<T>(fn: (tx: SqlConnection) => Promise<T>): Promise<T> {
    // IMMEDIATE takes the file's write lock at once: another process migrating waits.
    return this.transaction(fn, "BEGIN IMMEDIATE");
  }

  async close(): Promise<void> {
    await this.queue;
    this.db.close();
  }
}
