// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The benchmark suite (`bun run bench`): every figure beside a baseline measured in the
 * same run, alternated with it where the tool allows, and the ratio is what is reported.
 * Prints a table and rewrites docs/benchmarks.md (its own sections) and
 * docs/benchmarks.svg. A measure whose service is missing is reported as unavailable
 * with the reason instead of stopping the suite. Over 400 lines: it is the table of
 * measures in order, each a few lines over tools.ts, in-process.ts and rows.ts.
 *
 *   bun run bench                      full run (under 10 minutes on 2 cores)
 *   bun run bench --smoke --out F.md   a few seconds, tiny counts, report to F.md (+ F.svg)
 *   bun run bench --only engine,loading --out F.md   some stages (start-up, engine, loading, bindings, controller, memory)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { createTestDatabase, type TestDatabase } from "../../tests/support/postgres.ts";
import { deleteKeys } from "../../tests/support/redis.ts";
import { throughputChart } from "./chart.ts";
import {
  measureBindings,
  measureControllerJobs,
  measureEngine,
  measureHeap,
  measureLoading,
} from "./in-process.ts";
import { replaceSection } from "./report.ts";
import { type Row, renderTable } from "./rows.ts";
import {
  type ChildServer,
  CLI,
  freePort,
  hyperfine,
  machine,
  output,
  postMany,
  ROOT,
  rssMb,
  startChild,
  type WrkResult,
  wrk,
} from "./tools.ts";

const { values: opts } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    out: { type: "string" },
    /** Comma-separated stages to run (start-up, engine, loading, bindings, controller, memory); default all. */
    only: { type: "string" },
  },
});
const smoke = opts.smoke;
const out = path.resolve(
  opts.out ??
    (smoke ? path.join(tmpdir(), `mc-bench-smoke-${process.pid}.md`) : path.join(ROOT, "docs/benchmarks.md")),
);
const chartFile = `${out.replace(/\.md$/, "")}.svg`;
mkdirSync(path.dirname(out), { recursive: true });
const S = smoke
  ? {
      runs: 3,
      seconds: 1,
      rounds: 1,
      startRounds: 1,
      warm: 0,
      settle: 200,
      conc: [1, 8],
      storeConc: 8,
      jobs: [10],
      wide: 10,
      loadSizes: [10],
      mb: [0.05],
      rss: [50, 100],
    }
  : {
      runs: 8,
      // hyperfine's rounds: many short series, so that the machine's drift over a
      // series (the shell job's cost over the logger one read 0.8-4.3 ms from three
      // 40-run series in a row) falls on every command alike.
      startRounds: 10,
      seconds: 3,
      // Four alternated rounds: with two, the controller's ratio moved 0.22-0.27 and the
      // shell job's cost -0.6 to 3.8 ms between runs on this (virtual) machine.
      rounds: 4,
      warm: 2,
      settle: 1500,
      conc: [1, 8, 64],
      storeConc: 64,
      jobs: [10, 100, 1000],
      wide: 100,
      loadSizes: [10, 100, 1000],
      mb: [1, 10],
      rss: [1000, 10000],
    };

const t0 = performance.now();
// The commit, and whether the tree is clean, before the suite writes its own chart.
const before = await machine();
const work = mkdtempSync(path.join(tmpdir(), "mc-bench-"));
const rows: Row[] = [];
const children: ChildServer[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
const BODY = JSON.stringify({ input: { message: "hello", n: 1 } });
const lua = path.join(work, "post.lua");
writeFileSync(
  lua,
  `wrk.method = "POST"\nwrk.body = ${JSON.stringify(BODY)}\nwrk.headers["Content-Type"] = "application/json"\n`,
);
const log = (s: string) => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(0)}s] ${s}`);

function unavailable(group: string, measure: string, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  log(`${measure}: unavailable: ${reason}`);
  rows.push({ group, measure, unavailable: reason.split("\n")[0].slice(0, 200) });
}

function project(name: string, doc: Record<string, unknown>): { dir: string; file: string } {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "model-compose.yml");
  writeFileSync(file, YAML.stringify(doc));
  return { dir, file };
}

/** A controller from source in the foreground (`up`), a child of this process. */
async function controller(
  name: string,
  ctl: Record<string, unknown>,
  workflow?: unknown,
): Promise<{ url: string; server: ChildServer }> {
  const port = freePort();
  const p = project(name, {
    controller: { host: "127.0.0.1", port, ...ctl },
    logger: { type: "console", level: "warning" },
    workflow: workflow ?? { component: "logger", input: "${input}" },
  });
  const server = await startChild(
    ["bun", "--no-env-file", CLI, "-f", p.file, "up"],
    p.dir,
    `http://127.0.0.1:${port}/health`,
  );
  children.push(server);
  const url = `http://127.0.0.1:${port}/api/workflows/runs`;
  if (ctl.type !== "queue-subscriber") {
    const r = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: BODY,
    });
    const reply = (await r.json()) as { status?: string };
    if (r.status !== 200 || reply.status !== "completed")
      throw new Error(`${name}: first run answered ${r.status} ${JSON.stringify(reply).slice(0, 200)}`);
  }
  return { url, server };
}

// PORT (and any `env`) reaches the bare servers through the environment.
const startWithPort = async (script: string, env: Record<string, string> = {}) => {
  const port = freePort();
  const vars = { ...env, PORT: String(port) };
  Object.assign(process.env, vars);
  try {
    const server = await startChild(
      ["bun", "--no-env-file", path.join(import.meta.dir, "servers", script)],
      ROOT,
      `http://127.0.0.1:${port}/health`,
    );
    children.push(server);
    return { url: `http://127.0.0.1:${port}/echo`, server, port };
  } finally {
    for (const k of Object.keys(vars)) delete process.env[k];
  }
};

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** wrk over several targets, alternating target by target for `rounds` rounds; mean of the rounds. */
async function alternate(
  targets: Array<[string, string]>,
  connections: number,
): Promise<Map<string, WrkResult>> {
  const got = new Map<string, WrkResult[]>();
  for (let r = 0; r < S.rounds; r++) {
    for (const [name, url] of targets) {
      const res = await wrk(url, lua, connections, S.seconds);
      if (res.errors.length)
        throw new Error(`${name} at concurrency ${connections}: ${res.errors.join("; ")}`);
      got.set(name, [...(got.get(name) ?? []), res]);
    }
  }
  const result = new Map<string, WrkResult>();
  for (const [name, rs] of got)
    result.set(name, {
      rps: mean(rs.map((x) => x.rps)),
      p50: mean(rs.map((x) => x.p50)),
      p99: mean(rs.map((x) => x.p99)),
      requests: rs.reduce((a, x) => a + x.requests, 0),
      errors: [],
    });
  return result;
}

const ms = (s: number) => s * 1000;

async function startup(): Promise<void> {
  const group = "start-up";
  log("start-up: building");
  let bin: string;
  let empty: string;
  const compiled = !smoke;
  if (compiled) {
    const { build } = await import("../build.ts");
    const target = `${process.platform === "darwin" ? "darwin" : "linux"}-${process.arch === "arm64" ? "arm64" : "x64"}`;
    [bin] = await build([target as "linux-x64"], work, true);
    writeFileSync(path.join(work, "empty.ts"), "");
    await output([
      process.execPath,
      "build",
      "--compile",
      "--minify",
      path.join(work, "empty.ts"),
      "--outfile",
      path.join(work, "empty"),
    ]);
    empty = path.join(work, "empty");
  } else {
    bin = `${process.execPath} --no-env-file ${CLI}`;
    writeFileSync(path.join(work, "empty.ts"), "");
    empty = `${process.execPath} --no-env-file ${path.join(work, "empty.ts")}`;
  }
  const logger = project("startup-logger", { workflow: { component: "logger", input: "${input}" } }).file;
  // A string command runs through `sh -c`: the job starts the very process the
  // baseline spawns, so the difference is the job's own cost, not dash's builtin echo
  // against coreutils' (0.3-0.4 ms apart here).
  const shell = project("startup-shell", { workflow: { component: "shell", command: "echo x" } }).file;
  log("start-up: hyperfine");
  // Each series' median, then the mean of the rounds: a process stalled 10 ms by the
  // virtual machine moves a short series' mean by more than a millisecond, half the
  // shell job's budget over its baseline.
  const res = new Map<string, number[]>();
  for (let r = 0; r < S.startRounds; r++) {
    const got = await hyperfine(
      [
        ["empty", empty],
        ["version", `${bin} --version`],
        ["run-logger", `${bin} run -f ${logger} -i '{"x":1}'`],
        ["sh", `sh -c 'echo x'`],
        ["run-shell", `${bin} run -f ${shell}`],
      ],
      S.runs,
      path.join(work, "hyperfine.json"),
    );
    for (const g of got) res.set(g.name, [...(res.get(g.name) ?? []), ms(g.median)]);
  }
  // Loading through the command line: `config` of a large file and `run` of one
  // workflow of a file of many, each beside the same command on the one-job file.
  const [bigJobs, wfs, per] = smoke ? [10, 5, 4] : [1000, 500, 20];
  const chain = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      id: `j${i}`,
      component: "logger",
      input: i === 0 ? "${input}" : `\${jobs.j${i - 1}.output}`,
    }));
  const big = project("cli-big", { workflow: { jobs: chain(bigJobs) } }).file;
  const many = project("cli-many", {
    workflows: Array.from({ length: wfs }, (_, w) => ({ id: `w${w}`, jobs: chain(per) })),
  }).file;
  for (let r = 0; r < S.startRounds; r++) {
    const got = await hyperfine(
      [
        ["config-min", `${bin} config -f ${logger}`],
        ["config-big", `${bin} config -f ${big}`],
        ["run-min", `${bin} run -f ${logger}`],
        ["run-many", `${bin} run -f ${many} w${wfs - 1}`],
      ],
      Math.max(3, Math.round(S.runs / 2)),
      path.join(work, "hyperfine.json"),
    );
    for (const g of got) res.set(g.name, [...(res.get(g.name) ?? []), ms(g.median)]);
  }
  const m = (k: string) => mean(res.get(k) ?? []);
  const how = compiled ? "compiled" : "from source (smoke)";
  const overBig = m("config-big") - m("config-min");
  const overMany = m("run-many") - m("run-min");
  rows.push(
    {
      group: "loading",
      measure: `\`config\` of a ${bigJobs}-job file, ${how}: time over the one-job file`,
      value: overBig,
      unit: "ms",
      baseline: "`config` of the one-job file",
      baseValue: m("config-min"),
      ratio: m("config-big") / m("config-min"),
      detail: `${((overBig * 1000) / bigJobs).toFixed(1)} µs a job`,
      target: "≤ 30 ms over, ≤ 20 µs a job",
      met: overBig <= 30 && (overBig * 1000) / bigJobs <= 20,
    },
    {
      group: "loading",
      measure: `\`run\` of one workflow of a ${wfs} × ${per}-job file, ${how}: time over the one-job file`,
      value: overMany,
      unit: "ms",
      baseline: "`run` of the one-job file",
      baseValue: m("run-min"),
      ratio: m("run-many") / m("run-min"),
      detail: `${((overMany * 1000) / (wfs * per)).toFixed(1)} µs a job of the file`,
      target: "≤ 20 µs a job",
      met: (overMany * 1000) / (wfs * per) <= 20,
    },
  );
  rows.push(
    {
      group,
      measure: `--version, ${how}`,
      value: m("version"),
      unit: "ms",
      baseline: "empty compiled Bun program",
      baseValue: m("empty"),
      ratio: m("version") / m("empty"),
    },
    {
      group,
      measure: `run of a one-job logger workflow, ${how}`,
      value: m("run-logger"),
      unit: "ms",
      baseline: "empty compiled Bun program",
      baseValue: m("empty"),
      ratio: m("run-logger") / m("empty"),
      target: "≤ 2×",
      met: m("run-logger") / m("empty") <= 2,
    },
    {
      group,
      measure: `shell job's cost: run of a shell 'echo x' workflow (through sh -c) − run of the logger one, ${how}`,
      value: m("run-shell") - m("run-logger"),
      unit: "ms",
      baseline: "sh -c 'echo x' spawned directly",
      baseValue: m("sh"),
      ratio: (m("run-shell") - m("run-logger")) / m("sh"),
      target: "≤ sh + 2 ms",
      met: m("run-shell") - m("run-logger") <= m("sh") + 2,
    },
  );
}

async function http(): Promise<void> {
  const group = "controller";
  log("controller: starting servers");
  const bare = await startWithPort("bare-hono.ts");
  const targets: Array<[string, string]> = [["bare", bare.url]];
  const inthread = await controller("inthread", { store: "memory" });
  // The floor: the same workflow run by the engine behind the controller's middleware,
  // with nothing recorded (servers/engine-only.ts).
  const floor = await startWithPort("engine-only.ts", {
    MC_FILE: path.join(work, "inthread", "model-compose.yml"),
  });
  targets.push(["engine only", `http://127.0.0.1:${floor.port}/api/workflows/runs`]);
  targets.push(["in-thread", inthread.url]);
  let threadedError: unknown;
  try {
    const threaded = await controller("threaded", { store: "memory", threaded: true });
    targets.push(["threaded", threaded.url]);
  } catch (e) {
    threadedError = e;
  }
  if (S.warm) for (const [, url] of targets) await wrk(url, lua, 8, S.warm); // JIT, connections, worker threads
  const series = new Map<string, { rps: number[]; p99: number[] }>();
  for (const c of S.conc) {
    log(`controller: concurrency ${c}`);
    const got = await alternate(targets, c);
    const b = got.get("bare")!;
    for (const [name, r] of got) {
      const s = series.get(name) ?? { rps: [], p99: [] };
      s.rps.push(r.rps);
      s.p99.push(r.p99);
      series.set(name, s);
      if (name === "bare") {
        rows.push({
          group,
          measure: `bare hono, concurrency ${c}`,
          value: r.rps,
          unit: "req/s",
          detail: `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`,
        });
        continue;
      }
      // The floor has no target of its own: it says how much of the controller's is left
      // once nothing is recorded.
      const last = c === S.conc[S.conc.length - 1] && name !== "engine only";
      const goal = name === "threaded" ? 0.4 : 0.5;
      rows.push({
        group,
        measure:
          name === "engine only"
            ? `engine only: the run in the handler behind the controller's middleware, nothing recorded, concurrency ${c}`
            : `POST /api/workflows/runs, ${name}, concurrency ${c}`,
        value: r.rps,
        unit: "req/s",
        baseline: "bare hono echo",
        baseValue: b.rps,
        ratio: r.rps / b.rps,
        detail: `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms (bare ${b.p50.toFixed(2)} / ${b.p99.toFixed(2)}); p99 ${(r.p99 / b.p99).toFixed(2)}× bare`,
        ...(last
          ? { target: `≥ ${goal}× req/s, p99 ≤ 3×`, met: r.rps / b.rps >= goal && r.p99 <= 3 * b.p99 }
          : {}),
      });
    }
  }
  if (threadedError) unavailable(group, "threaded: true", threadedError);
  const names: Record<string, string> = {
    bare: "bare hono on Bun.serve",
    "engine only": "engine alone behind the controller's middleware",
    "in-thread": "controller, in-thread",
    threaded: "controller, threaded: true",
  };
  writeFileSync(
    chartFile,
    throughputChart(
      S.conc,
      [...series].map(([n, s]) => ({ name: names[n] ?? n, ...s })),
    ),
  );

  // Stores and the queue, each alternated with the in-thread memory-store controller.
  const variants: Array<[string, () => Promise<string>]> = [
    ["store: sqlite", async () => (await controller("sqlite", { store: "sqlite" })).url],
  ];
  if (!smoke) {
    variants.push([
      "store: postgres",
      async () => {
        const db: TestDatabase = await createTestDatabase("mc_bench");
        cleanups.push(() => db.drop());
        return (await controller("postgres", { store: { driver: "postgres", url: db.url } })).url;
      },
    ]);
    variants.push([
      "queue: redis, one queue-subscriber",
      async () => {
        const id = `${process.pid}-${Date.now().toString(36)}`;
        const queue = {
          driver: "redis",
          url: "redis://127.0.0.1:6379",
          name: `bench-${id}`,
          prefix: `mcbench-${id}`,
        };
        cleanups.push(() => deleteKeys(queue.url, queue.prefix));
        const api = await startQueueApi(queue);
        return api;
      },
    ]);
  }
  for (const [name, start] of variants) {
    log(`controller: ${name}`);
    try {
      const url = await start();
      if (S.warm) await wrk(url, lua, 8, S.warm);
      const got = await alternate(
        [
          ["memory", inthread.url],
          [name, url],
        ],
        S.storeConc,
      );
      const r = got.get(name)!;
      const b = got.get("memory")!;
      rows.push({
        group: "stores and queue",
        measure: `${name}, concurrency ${S.storeConc}`,
        value: r.rps,
        unit: "req/s",
        baseline: "in-thread memory-store controller",
        baseValue: b.rps,
        ratio: r.rps / b.rps,
        detail: `p99 ${r.p99.toFixed(2)} ms (memory ${b.p99.toFixed(2)} ms)`,
      });
    } catch (e) {
      unavailable("stores and queue", name, e);
    }
  }
}

async function startQueueApi(queue: Record<string, unknown>): Promise<string> {
  const worker = await controller("queue-worker", {
    type: "queue-subscriber",
    queue,
    store: "memory",
    max_concurrent_count: 64,
  });
  void worker;
  const api = await controller("queue-api", { type: "http-server", queue, store: "memory" });
  return api.url;
}

async function memory(): Promise<void> {
  const group = "memory";
  log("memory: idle and after runs");
  try {
    const empty = await startWithPort("empty-server.ts");
    await Bun.sleep(S.settle);
    const baseIdle = rssMb(empty.server.pid);
    // retention keeps the memory store at 1000 finished runs: what grows beyond it is a leak.
    const c = await controller("rss", {
      store: { driver: "memory", retention: { max_count: 1000, interval: "1s" } },
    });
    await Bun.sleep(S.settle);
    const idle = rssMb(c.server.pid);
    rows.push({
      group,
      measure: "idle RSS after start (controller, from source)",
      value: idle,
      unit: "MB",
      baseline: "empty Bun HTTP server",
      baseValue: baseIdle,
      ratio: idle / baseIdle,
      target: "≤ 60 MB",
      met: idle <= 60,
    });
    const [few, many] = S.rss;
    await postMany(c.url, BODY, few, 16);
    await Bun.sleep(S.settle); // one retention pass
    const after1 = rssMb(c.server.pid);
    await postMany(c.url, BODY, many - few, 16);
    await Bun.sleep(S.settle);
    const after2 = rssMb(c.server.pid);
    rows.push({
      group,
      measure: `RSS after ${many} runs`,
      value: after2,
      unit: "MB",
      baseline: `RSS after ${few} runs`,
      baseValue: after1,
      ratio: after2 / after1,
      target: "within 10 %",
      met: after2 <= after1 * 1.1,
    });
    await c.server.stop();
    await empty.server.stop();
  } catch (e) {
    unavailable(group, "RSS", e);
  }
  try {
    rows.push(await measureHeap(work, S.rss[0], S.rss[1]));
  } catch (e) {
    unavailable(group, "live heap", e);
  }
}

const stages: Array<[string, () => Promise<void>]> = [
  ["start-up", startup],
  [
    "engine",
    async () => {
      rows.push(...(await measureEngine(work, S.jobs, S.wide, smoke)));
      rows.push(await measureControllerJobs(work, Math.max(...S.jobs), smoke));
    },
  ],
  [
    "loading",
    async () => {
      rows.push(...(await measureLoading(work, S.loadSizes, smoke)));
    },
  ],
  [
    "bindings",
    async () => {
      rows.push(...(await measureBindings(work, S.mb, smoke)));
    },
  ],
  ["controller", http],
  ["memory", memory],
];
try {
  const only = opts.only?.split(",");
  for (const [name, stage] of stages) {
    if (only && !only.includes(name)) continue;
    log(name);
    try {
      await stage();
    } catch (e) {
      unavailable(name, name, e);
    }
  }
} finally {
  await Promise.all(children.map((c) => c.stop().catch(() => {})));
  for (const c of cleanups) await c().catch((e) => log(`cleanup: ${e}`));
  rmSync(work, { recursive: true, force: true });
}

const total = (performance.now() - t0) / 1000;
const m = await machine();
const table = renderTable(rows);
console.log(table);
console.log(`\n${m.uptime}\ntotal ${total.toFixed(0)} s`);
const loaded = m.load1 > m.cores * 0.75;
const header = [
  `Written by \`bun run bench${smoke ? " --smoke" : ""}\` (scripts/bench/suite.ts) on ${new Date().toISOString().replace("T", " ").slice(0, 16)} UTC in ${total.toFixed(0)} s.`,
  "",
  `- machine: ${m.cores} cores (${m.cpu}), ${m.memoryGb.toFixed(1)} GB memory, ${m.kernel}`,
  `- versions: Bun ${m.bun}, model-compose commit ${before.commit}`,
  `- \`uptime\` when the suite ended: \`${m.uptime}\`${loaded ? " — the machine was shared and loaded while measuring: read the ratios (each baseline was measured beside its figure), not the absolute numbers" : ""}`,
  "",
  "Every figure stands beside a baseline measured in the same run: wrk targets and hyperfine series alternate round by round (the mean of the rounds is reported; of a hyperfine series, its median), the in-process measures alternate baseline and engine call by call (the median of each side's calls is reported). Everything listens on 127.0.0.1, with the load generator on the same cores.",
  "",
  `![requests/second and p99 latency against concurrency](${path.basename(chartFile)})`,
  "",
  table,
].join("\n");
if (smoke) {
  // The smoke report is a file of its own: the committed report is never touched.
  writeFileSync(out, `# Benchmarks (smoke)\n\n## Suite\n\n${header}\n`);
} else {
  replaceSection(out, "Suite", header);
}
console.log(`report: ${out}\nchart: ${chartFile}`);
