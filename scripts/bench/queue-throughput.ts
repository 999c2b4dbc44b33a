/**
 * Run queue throughput: one http-server with `controller.queue` on the local Redis and
 * queue-subscriber workers (each `max_concurrent_count: 4`), all started with `up -d`
 * from source. A workflow of one 200 ms shell job; N runs are submitted at once (each
 * request waits for its run) with one worker, then again after a second worker joined,
 * in the same run. Prints runs/second and writes the "Run queue throughput" section of
 * docs/benchmarks.md. The ceiling is 4 / 0.2 s = 20 runs/s per worker.
 *
 *   bun scripts/bench/queue-throughput.ts [--runs 160] [--redis redis://127.0.0.1:6379]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { deleteKeys } from "../../tests/support/redis.ts";
import { replaceSection } from "./report.ts";

const ROOT = path.resolve(import.meta.dir, "../..");
const CLI = path.join(ROOT, "cli.ts");
const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "160" },
    redis: { type: "string", default: "redis://127.0.0.1:6379" },
  },
});
const N = Number(opts.runs);
const id = `${process.pid}-${Date.now().toString(36)}`;
const queue = { driver: "redis", url: opts.redis, name: `bench-${id}`, prefix: `mcbench-${id}` };
const work = mkdtempSync(path.join(tmpdir(), "mc-bench-queue-"));

function freePort(): number {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

function project(name: string, controller: Record<string, unknown>): { dir: string; port: number } {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  const port = freePort();
  writeFileSync(
    path.join(dir, "model-compose.yml"),
    YAML.stringify({
      controller: { port, queue, ...controller },
      logger: { type: "console", level: "warning" },
      workflow: { component: "shell", command: ["sleep", "0.2"] },
    }),
  );
  return { dir, port };
}

function cli(dir: string, args: string[]): void {
  const r = Bun.spawnSync(["bun", "--no-env-file", CLI, ...args], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0) throw new Error(`model-compose ${args.join(" ")} in ${dir}: ${r.stderr}${r.stdout}`);
}

/** Submits N runs at once, each waiting for its result; runs per second. */
async function measure(url: string): Promise<number> {
  const t0 = performance.now();
  const replies = await Promise.all(
    Array.from({ length: N }, () =>
      fetch(`${url}/api/workflows/runs`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      }).then((r) => r.json() as Promise<{ status: string }>),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const bad = replies.filter((r) => r.status !== "completed");
  if (bad.length) throw new Error(`${bad.length} runs did not complete: ${JSON.stringify(bad[0])}`);
  return N / seconds;
}

const started: string[] = [];
try {
  const api = project("api", { type: "http-server" });
  const w1 = project("worker-1", { type: "queue-subscriber", max_concurrent_count: 4 });
  const w2 = project("worker-2", { type: "queue-subscriber", max_concurrent_count: 4 });
  for (const p of [api, w1]) {
    cli(p.dir, ["up", "-d"]);
    started.push(p.dir);
  }
  const url = `http://127.0.0.1:${api.port}`;
  await measure(url); // warm-up: loads, connections, the shell's first start
  const one = await measure(url);
  cli(w2.dir, ["up", "-d"]);
  started.push(w2.dir);
  const two = await measure(url);
  const rows = [
    ["1 worker", one],
    ["2 workers", two],
  ] as const;
  for (const [name, rps] of rows) console.log(`${name.padEnd(10)} ${rps.toFixed(1)} runs/s`);
  console.log(`2 workers / 1 worker: ${(two / one).toFixed(2)}x`);
  replaceSection(
    path.join(ROOT, "docs/benchmarks.md"),
    "Run queue throughput",
    `Measured ${new Date().toISOString().slice(0, 10)} with \`bun scripts/bench/queue-throughput.ts --runs ${N}\` on this machine (2 cores, shared with other work while measuring), Bun ${Bun.version}, Redis on 127.0.0.1. One http-server with \`controller.queue\` and queue-subscriber workers, each \`max_concurrent_count: 4\`, all from source with \`up -d\`; the workflow is one shell job \`sleep 0.2\`. ${N} runs are submitted at once, each request waiting for its run (after a warm-up round), first with one worker, then after a second joined. The ceiling is 4 / 0.2 s = 20 runs/s per worker.

| workers | runs/s | of the ceiling |
|---|---|---|
| 1 | ${one.toFixed(1)} | ${((one / 20) * 100).toFixed(0)}% |
| 2 | ${two.toFixed(1)} | ${((two / 40) * 100).toFixed(0)}% |

Two workers give ${(two / one).toFixed(2)}× one worker's rate.`,
  );
} finally {
  for (const dir of started.reverse()) {
    try {
      cli(dir, ["down"]);
    } catch (error) {
      console.error((error as Error).message);
    }
  }
  await deleteKeys(opts.redis, queue.prefix);
  rmSync(work, { recursive: true, force: true });
}
