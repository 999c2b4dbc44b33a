/**
 * A fresh PostgreSQL database per test file on the shared server (the role may create
 * databases), dropped afterwards; `MC_TEST_POSTGRES_URL` points elsewhere.
 */
import postgres from "postgres";

export const POSTGRES_URL =
  process.env.MC_TEST_POSTGRES_URL ?? "postgres://model_compose:model_compose@127.0.0.1:5432/model_compose";

/** The URL of `url` with another database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = "mc_test"): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(POSTGRES_URL, name),
    async drop() {
      const a = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
      try {
        // Not DROP ... WITH (FORCE): it also tries to end an autovacuum worker that is
        // in the database, which only a superuser may, and fails the test's cleanup
        // (seen after a test wrote 1000 rows). The role ends its own sessions there;
        // a plain DROP then stops autovacuum itself and waits for them to exit.
        await a`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = ${name} AND usename = current_user AND pid <> pg_backend_pid()`;
        await a.unsafe(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await a.end();
      }
    },
  };
}
