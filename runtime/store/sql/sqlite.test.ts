import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { storeCases } from "../store-cases.ts";
import { migrate } from "./migrations.ts";
import { SqlTaskStore } from "./sql-store.ts";
import { openSqliteDatabase } from "./sqlite.ts";

const dir = mkdtempSync(path.join(tmpdir(), "mc-sqlite-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
storeCases("sqlite", async () => {
  const db = await openSqliteDatabase(path.join(dir, `runs-${++n}.db`));
  await migrate(db);
  return new SqlTaskStore(db);
});

test("sqlite: migrations run once; a second opening applies none; WAL is on", async () => {
  const file = path.join(dir, "migrate.db");
  const a = await openSqliteDatabase(file);
  expect(await migrate(a)).toEqual([1]);
  const b = await openSqliteDatabase(file);
  expect(await migrate(b)).toEqual([]);
  expect((await b.all("PRAGMA journal_mode"))[0]).toEqual({ journal_mode: "wal" });
  await a.close();
  await b.close();
});
