/**
 * The run store cases against a real PostgreSQL (scripts/ci/setup.sh starts it): here
 * rather than beside the driver, so that `bun run test:fast` needs no service.
 */
import { afterAll, expect, test } from "bun:test";
import { MIGRATIONS, migrate } from "../../runtime/store/sql/migrations.ts";
import { openPostgresDatabase } from "../../runtime/store/sql/postgres.ts";
import { SqlTaskStore } from "../../runtime/store/sql/sql-store.ts";
import { storeCases } from "../../runtime/store/store-cases.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// Each store gets a database of its own: prune and list see the whole store.
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});

storeCases("postgres", async () => {
  const database = await createTestDatabase();
  databases.push(database);
  const db = await openPostgresDatabase({ url: database.url, poolSize: 4, connectTimeoutSeconds: 10 });
  await migrate(db);
  return new SqlTaskStore(db);
});

test("postgres: two controllers migrating one empty database at once apply each migration once", async () => {
  const fresh = await createTestDatabase();
  try {
    const dbs = await Promise.all(
      Array.from({ length: 4 }, () =>
        openPostgresDatabase({ url: fresh.url, poolSize: 2, connectTimeoutSeconds: 10 }),
      ),
    );
    const applied = await Promise.all(dbs.map((db) => migrate(db)));
    expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
    const rows = await dbs[0].all("SELECT version FROM schema_migrations ORDER BY version");
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    await Promise.all(dbs.map((db) => db.close()));
  } finally {
    await fresh.drop();
  }
});
