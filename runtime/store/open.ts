/**
 * Opens the run store `controller.store` names, migrated and guarded. The database
 * drivers load only here, and only the one configured: start-up pays for no other. A
 * database that does not answer is retried until `connect_timeout`, then start-up fails
 * with an error naming the store and its address (exit 2).
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import type { StoreConfig } from "../compose/store-schema.ts";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { stateDirectory } from "../state-dir.ts";
import { type GuardedStore, guardStore } from "./guard.ts";
import { MemoryTaskStore } from "./memory.ts";
import type { TaskStore } from "./task-store.ts";

export interface OpenStoreOptions {
  projectDir: string;
  logger: Logger;
  /** This controller's id, recorded on the runs it starts. */
  owner?: string;
}

/** A PostgreSQL URL without its password, for messages. */
export function describePostgres(url: string): string {
  try {
    const u = new URL(url);
    return `postgres at ${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return "postgres at an unparsable url";
  }
}

/** The SQLite database file: `path`, else runs.db in the project's state directory. */
function sqliteFile(config: StoreConfig, projectDir: string): string {
  return config.path
    ? path.resolve(projectDir, config.path)
    : path.join(stateDirectory(projectDir), "runs.db");
}

export function describeStore(config: StoreConfig, projectDir: string): string {
  if (config.driver === "memory") return "memory";
  if (config.driver === "sqlite") return `sqlite at ${sqliteFile(config, projectDir)}`;
  return describePostgres(config.url ?? "");
}

async function openDriver(config: StoreConfig, options: OpenStoreOptions): Promise<TaskStore> {
  const maxValueSize = config.max_value_size;
  if (config.driver === "memory") {
    return new MemoryTaskStore({ outputBudget: config.output_budget, maxValueSize });
  }
  const [{ migrate }, { SqlTaskStore }] = await Promise.all([
    import("./sql/migrations.ts"),
    import("./sql/sql-store.ts"),
  ]);
  let db: import("./sql/database.ts").SqlDatabase;
  if (config.driver === "sqlite") {
    const file = sqliteFile(config, options.projectDir);
    mkdirSync(path.dirname(file), { recursive: true });
    const { openSqliteDatabase } = await import("./sql/sqlite.ts");
    db = await openSqliteDatabase(file);
  } else {
    const { openPostgresDatabase } = await import("./sql/postgres.ts");
    db = await openPostgresDatabase({
      url: config.url!,
      poolSize: config.pool_size,
      connectTimeoutSeconds: Math.max(1, Math.ceil(Math.min(config.connect_timeout, 10_000) / 1000)),
    });
  }
  try {
    const applied = await migrate(db);
    if (applied.length)
      options.logger.info({ store: config.driver, versions: applied }, "run store migrated");
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return new SqlTaskStore(db, { owner: options.owner, maxValueSize });
}

/** Opens, migrates and guards the store; retries an unreachable database up to `connect_timeout`. */
export async function openStore(config: StoreConfig, options: OpenStoreOptions): Promise<GuardedStore> {
  const where = describeStore(config, options.projectDir);
  const deadline = Date.now() + config.connect_timeout;
  let attempt = 0;
  for (;;) {
    attempt++;
    try {
      const store = await openDriver(config, options);
      // Memory cannot go away; the guard's wrapper of every call cost a waited run 3%.
      if (store.driver === "memory")
        return { store, health: () => ({ driver: store.driver, available: true }) };
      return guardStore(store, where, options.logger);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (config.driver !== "postgres" || Date.now() >= deadline) {
        throw new ConfigError(
          `cannot open the run store (${where}): ${reason}` +
            (config.driver === "postgres"
              ? `; gave up after ${Math.round(config.connect_timeout / 1000)}s (controller.store.connect_timeout)`
              : ""),
          undefined,
          ["controller", "store"],
        );
      }
      if (attempt === 1)
        options.logger.warn({ store: where, err: reason }, "run store not reachable yet; retrying");
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(0, deadline - Date.now()))));
    }
  }
}
