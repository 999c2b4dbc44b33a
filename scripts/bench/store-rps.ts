// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the compose text holds a ${...} binding
/**
 * What the run store costs: wrk POSTs to controllers that differ only in
 * `controller.store` (memory, sqlite, postgres), side by side in one run, each request a
 * one-job logger workflow waited for. Then what one run leaves in each database: rows
 * and bytes. Writes the "Run store" section of docs/benchmarks.md.
 *
 *   bun scripts/bench/store-rps.ts [--duration 10s] [--connections 32]
 *   (PostgreSQL: MC_TEST_POSTGRES_URL, default the CI service; a fresh database is made and dropped)
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import YAML from "yaml";
import { createTestDatabase } from "../../tests/support/postgres.ts";
import { replaceSection } from "./report.ts";

const ROOT = path.resolve(import.meta.dir, "../..");
const CLI = path.join(ROOT, "cli.ts");
const { values: opts } = parseArgs({
  options: { duration: { type: "string", default: "10s" }, connections: { type: "string", default: "32" } },
});
const BODY = JSON.stringify({ input: { message: "hello", n: 1 } });

function freePort(): number {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

async function run(cmd: string[], cwd: string): Promise<string> {
  const proc = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (${code}):\n${out}${err}`);
  return out;
}

const work = mkdtempSync(path.join(tmpdir(), "mc-bench-store-"));
const lua = path.join(work, "post.lua");
writeFileSync(
  lua,
  `wrk.method = "POST"\nwrk.body = ${JSON.stringify(BODY)}\nwrk.headers["Content-Type"] = "application/json"\n`,
);
const pg = await createTestDatabase("mc_bench");

const stores: Array<[string, unknown]> = [
  ["memory", "memory"],
  ["sqlite", "sqlite"],
  ["postgres", { driver: "postgres", url: pg.url }],
];
const rows: string[] = [];
const projects: Array<{ dir: string; file: string }> = [];
try {
  for (const [name, store] of stores) {
    const dir = path.join(work, name);
    mkdirSync(dir);
    const port = freePort();
    const file = path.join(dir, "model-compose.yml");
    writeFileSync(
      file,
      YAML.stringify({
        controller: { host: "127.0.0.1", port, store },
        logger: { type: "console", level: "warning" },
        workflow: { component: "logger", input: "${input}" },
      }),
    );
    await run(["bun", "--no-env-file", CLI, "-f", file, "up", "-d"], dir);
    projects.push({ dir, file });
    const url = `http://127.0.0.1:${port}/api/workflows/runs`;
    await run(["wrk", "-t2", `-c${opts.connections}`, "-d2s", "-s", lua, url], dir);
    const out = await run(["wrk", "-t2", `-c${opts.connections}`, `-d${opts.duration}`, "-s", lua, url], dir);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const errors = /Non-2xx or 3xx responses: \d+/.exec(out)?.[0];
    let cost = "- (nothing written)";
    if (name === "sqlite") {
      const { Database } = await import("bun:sqlite");
      const db = new Database(path.join(dir, ".model-compose/runs.db"), { readonly: true });
      const n = Number((db.query("SELECT COUNT(*) AS n FROM tasks").get() as { n: number }).n);
      const jobs = Number((db.query("SELECT COUNT(*) AS n FROM jobs").get() as { n: number }).n);
      const bytes = Number(
        (
          db
            .query("SELECT page_count * page_size AS b FROM pragma_page_count(), pragma_page_size()")
            .get() as { b: number }
        ).b,
      );
      const wal =
        statSync(path.join(dir, ".model-compose/runs.db-wal"), { throwIfNoEntry: false })?.size ?? 0;
      db.close();
      cost = `${((n + jobs) / n).toFixed(0)} rows (1 task + ${(jobs / n).toFixed(0)} job), ${Math.round(bytes / n)} bytes of file per run (${n} runs; WAL ${Math.round(wal / 1024)} KiB)`;
    } else if (name === "postgres") {
      const sql = postgres(pg.url, { max: 1 });
      const [{ n }] = await sql`SELECT COUNT(*)::int AS n FROM tasks`;
      const [{ j }] = await sql`SELECT COUNT(*)::int AS j FROM jobs`;
      const [{ b }] =
        await sql`SELECT (pg_total_relation_size('tasks') + pg_total_relation_size('jobs'))::bigint AS b`;
      await sql.end();
      cost = `${((n + j) / n).toFixed(0)} rows (1 task + ${(j / n).toFixed(0)} job), ${Math.round(Number(b) / n)} bytes of tables and indexes per run (${n} runs)`;
    }
    rows.push(`| ${name} | ${rps.toFixed(0)} | ${errors ?? "none"} | ${cost} |`);
    console.log(rows[rows.length - 1]);
  }
} finally {
  for (const p of projects)
    await run(["bun", "--no-env-file", CLI, "-f", p.file, "down"], p.dir).catch(String);
  await pg.drop();
  rmSync(work, { recursive: true, force: true });
}

const section = [
  `Measured ${new Date().toISOString().slice(0, 10)} with wrk (-t2 -c${opts.connections} -d${opts.duration}, after a 2 s warm-up), the three controllers one after the other in one run on this machine (${navigator.hardwareConcurrency} cores, shared with other work while measured, so read the ratios, not the absolute numbers), Bun ${Bun.version}, from source (\`up -d\`), PostgreSQL 15 on 127.0.0.1. Each request runs a one-job \`logger\` workflow and waits for it; the store writes the run (pending), running, the job's start and end, and the final state.`,
  "",
  "| controller.store | requests/s | errors | what a run costs in the store |",
  "|---|---|---|---|",
  ...rows,
].join("\n");
replaceSection(path.join(ROOT, "docs/benchmarks.md"), "Run store", section);
console.log(`\n${section}`);
