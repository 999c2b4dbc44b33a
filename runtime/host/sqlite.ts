/**
 * The runtime's own SQLite driver behind one small interface: Bun's `bun:sqlite`, or
 * Node's and Deno's `node:sqlite` (DatabaseSync). Both are synchronous and built in;
 * each is imported only when a SQLite store is opened.
 */

/** A prepared statement: `?` placeholders, values bound in order. */
export interface SqliteStatement {
  run(...params: SqliteValue[]): { changes: number | bigint };
  all(...params: SqliteValue[]): Record<string, SqliteValue>[];
}

export type SqliteValue = string | number | bigint | null | Uint8Array;

export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

interface BunSqliteModule {
  Database: new (
    path: string,
    options?: { create?: boolean; strict?: boolean },
  ) => SqliteDatabase & {
    query(sql: string): SqliteStatement;
  };
}

interface NodeSqliteModule {
  DatabaseSync: new (path: string) => SqliteDatabase;
}

/** Opens (creating if needed) the database file at `path` with the runtime's driver. */
export async function openSqliteFile(
  path: string,
  runtime: "bun" | "deno" | "unknown",
): Promise<SqliteDatabase> {
  if (runtime === "bun") {
    const { Database } = (await import("bun:sqlite")) as unknown as BunSqliteModule;
    const db = new Database(path, { create: true });
    // query() caches the prepared statement: each SQL text is compiled once.
    return { exec: (sql) => db.exec(sql), prepare: (sql) => db.query(sql), close: () => db.close() };
  }
  const { DatabaseSync } = (await import("node:sqlite")) as unknown as NodeSqliteModule;
  const db = new DatabaseSync(path);
  const cache = new Map<string, SqliteStatement>();
  return {
    exec: (sql) => db.exec(sql),
    prepare(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
    close: () => db.close(),
  };
}
