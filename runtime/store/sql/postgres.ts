/**
 * SqlDatabase on PostgreSQL through the `postgres` package (a pool of connections,
 * reconnecting by itself). Loaded only when a PostgreSQL store is configured.
 */
import type { Row, SqlConnection, SqlDatabase, SqlValue } from "./database.ts";

/** The key of the advisory lock that serialises migrations (any fixed number). */
const MIGRATION_LOCK_KEY = 7_405_812_331;

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Seconds to wait for a connection. */
  connectTimeoutSeconds: number;
}

/** `?` placeholders to PostgreSQL's `$1, $2, ...` (the store's SQL has no `?` in literals). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

type Sql = import("postgres").Sql;

function connection(sql: Sql | import("postgres").TransactionSql): SqlConnection {
  return {
    async all(text, params = []) {
      return (await sql.unsafe(numbered(text), params as SqlValue[])) as unknown as Row[];
    },
    async run(text, params = []) {
      const result = await sql.unsafe(numbered(text), params as SqlValue[]);
      return result.count;
    },
  };
}

export async function openPostgresDatabase(options: PostgresOptions): Promise<SqlDatabase> {
  const { default: postgres } = await import("postgres");
  const sql = postgres(options.url, {
    max: options.poolSize,
    connect_timeout: options.connectTimeoutSeconds,
    // Notices (e.g. "relation already exists, skipping") are not the user's business.
    onnotice: () => {},
    // Values go in as text and come back as they are stored.
    prepare: true,
  });
  const direct = connection(sql);
  return {
    dialect: "postgres",
    all: direct.all,
    run: direct.run,
    transaction: (fn) => sql.begin((tx) => fn(connection(tx))) as Promise<never>,
    migrationLock: (fn) =>
      sql.begin(async (tx) => {
        await tx.unsafe(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
        return fn(connection(tx));
      }) as Promise<never>,
    close: () => sql.end({ timeout: 5 }),
  };
}
