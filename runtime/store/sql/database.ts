/**
 * What the SQL run store needs from a database: queries with `?` placeholders,
 * transactions, and a lock that serialises schema migrations across processes. SQLite
 * and PostgreSQL implement it; the store's SQL is written once for both.
 */
export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

export interface SqlConnection {
  /** The rows a query returns. */
  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDatabase extends SqlConnection {
  readonly dialect: "sqlite" | "postgres";
  /** Runs `fn` in one transaction: all of it or nothing. */
  transaction<T>(fn: (tx: SqlConnection) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in a transaction that holds the database's migration lock, so two
   * controllers starting at once migrate one after the other.
   */
  migrationLock<T>(fn: (tx: SqlConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
