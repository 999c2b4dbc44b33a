import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../../tests/support/postgres.ts";
import { storeCases } from "../store-cases.ts";
import { MIGRATIONS, migrate } from "./migrations.ts";
import { openPostgresDatabase } from "./postgres.ts";
import { SqlTaskStore } from "./sql-store.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const open = () => openPostgresDatabase({ url: database.url, poolSize: 4, connectTimeoutSeconds: 10 });

storeCases("postgres", async () => {
  const db = await open();
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
