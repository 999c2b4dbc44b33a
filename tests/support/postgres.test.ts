/** The test databases' own cleanup: a database still in use is dropped all the same. */
import { expect, test } from "bun:test";
import postgres from "postgres";
import { createTestDatabase, POSTGRES_URL } from "./postgres.ts";

test("drop ends the role's sessions still open in the database and removes it", async () => {
  const db = await createTestDatabase("mc_drop");
  const held = postgres(db.url, { max: 1, onnotice: () => {} });
  await held`CREATE TABLE t (n int)`;
  await held`INSERT INTO t SELECT generate_series(1, 1000)`;
  // The session stays open in the database while it is dropped.
  await db.drop();
  await expect(held`SELECT 1`).rejects.toThrow();
  await held.end({ timeout: 1 }).catch(() => {});
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`SELECT 1 FROM pg_database WHERE datname = ${db.name}`;
    expect(rows.length).toBe(0);
  } finally {
    await admin.end();
  }
});
