// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the compose text holds a ${...} binding
/**
 * Controller throughput: wrk POSTs JSON to a controller started with `up -d` (one-job
 * logger workflow, each request waits for its run) and, in the same run, to a bare hono
 * app on Bun.serve that echoes the JSON back: the floor any hono-on-Bun server pays.
 * Prints requests/second side by side and writes the "Controller throughput" section
 * of docs/benchmarks.md. Everything listens on 127.0.0.1.
 *
 *   bun scripts/bench/controller-rps.ts [--duration 10s] [--threads 2] [--connections 32]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Hono } from "hono";
import YAML from "yaml";
import { replaceSection } from "./report.ts";

const ROOT = path.resolve(import.meta.dir, "../..");
const CLI = path.join(ROOT, "cli.ts");
const { values: opts } = parseArgs({
  options: {
    duration: { type: "string", default: "10s" },
    threads: { type: "string", default: "2" },
    connections: { type: "string", default: "32" },
  },
});
const BODY = JSON.stringify({ input: { message: "hello", n: 1 } });

interface WrkResult {
  rps: number;
  latencyAvg: string;
  latencyMax: string;
  requests: number;
  errors: string[];
}

function freePort(): number {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

/** Runs wrk against `url` (asynchronously: the bare app is served by this very process). */
async function wrk(url: string, script: string, duration: string): Promise<WrkResult> {
  const proc = Bun.spawn(
    ["wrk", `-t${opts.threads}`, `-c${opts.connections}`, `-d${duration}`, "--latency", "-s", script, url],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`wrk failed (${code}): ${err || out}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const latency = /Latency\s+(\S+)\s+\S+\s+(\S+)/.exec(out);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const errors = [/Non-2xx or 3xx responses: \d+/.exec(out)?.[0], /Socket errors: .*/.exec(out)?.[0]].filter(
    (e): e is string => Boolean(e),
  );
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk's output:\n${out}`);
  return { rps, latencyAvg: latency?.[1] ?? "?", latencyMax: latency?.[2] ?? "?", requests, errors };
}

async function cli(dir: string, file: string, args: string[]): Promise<string> {
  const proc = Bun.spawn(["bun", "--no-env-file", CLI, "-f", file, ...args], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`model-compose ${args.join(" ")} failed (${code}):\n${out}${err}`);
  return out;
}

const work = mkdtempSync(path.join(tmpdir(), "mc-bench-rps-"));
const luaFile = path.join(work, "post.lua");
writeFileSync(
  luaFile,
  `wrk.method = "POST"\nwrk.body = ${JSON.stringify(BODY)}\nwrk.headers["Content-Type"] = "application/json"\n`,
);

/** A controller project: one logger job; console logging at warning, so runs log nothing. */
function controllerProject(name: string, threaded: boolean): { dir: string; file: string; url: string } {
  const dir = path.join(work, name);
  const port = freePort();
  const file = path.join(dir, "model-compose.yml");
  Bun.spawnSync(["mkdir", "-p", dir]);
  writeFileSync(
    file,
    YAML.stringify({
      controller: { host: "127.0.0.1", port, threaded },
      logger: { type: "console", level: "warning" },
      workflow: { component: "logger", input: "${input}" },
    }),
  );
  return { dir, file, url: `http://127.0.0.1:${port}/api/workflows/runs` };
}

// The bare app: hono on Bun.serve, parse the JSON and send it back.
const app = new Hono();
app.post("/echo", async (c) => c.json(await c.req.json()));
const bare = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
const bareUrl = `http://127.0.0.1:${bare.port}/echo`;

const rows: Array<[string, WrkResult]> = [];
const started: Array<{ dir: string; file: string }> = [];
try {
  const targets: Array<[string, string]> = [["bare hono on Bun.serve (echo JSON)", bareUrl]];
  for (const [name, threaded] of [
    ["controller, in-thread runs", false],
    ["controller, threaded: true", true],
  ] as const) {
    const p = controllerProject(threaded ? "threaded" : "inthread", threaded);
    await cli(p.dir, p.file, ["up", "-d"]);
    started.push(p);
    // Sanity: the workflow answers with its input.
    const check = await fetch(p.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: BODY,
    });
    const reply = (await check.json()) as { status: string; output: unknown };
    if (check.status !== 200 || reply.status !== "completed")
      throw new Error(`controller check: ${JSON.stringify(reply)}`);
    targets.push([name, p.url]);
  }
  for (const [name, url] of targets) {
    await wrk(url, luaFile, "2s"); // warm-up (JIT, connections, worker threads)
    const result = await wrk(url, luaFile, opts.duration);
    if (result.errors.length) throw new Error(`${name}: ${result.errors.join("; ")}`);
    rows.push([name, result]);
    console.log(
      `${name}: ${result.rps.toFixed(0)} req/s (avg ${result.latencyAvg}, max ${result.latencyMax})`,
    );
  }
} finally {
  for (const p of started) await cli(p.dir, p.file, ["down"]).catch((e) => console.error(String(e)));
  bare.stop(true);
  rmSync(work, { recursive: true, force: true });
}

const base = rows[0][1].rps;
const table = rows.map(
  ([name, r]) =>
    `| ${name} | ${r.rps.toFixed(0)} | ${r.latencyAvg} | ${r.latencyMax} | ${(r.rps / base).toFixed(2)}× |`,
);
const section = [
  `Measured ${new Date().toISOString().slice(0, 10)} with wrk (-t${opts.threads} -c${opts.connections} -d${opts.duration}, after a 2 s warm-up) on this machine (${navigator.hardwareConcurrency} cores), Bun ${Bun.version}, everything on 127.0.0.1 and the load generator on the same cores. Each POST carries a small JSON body. The controller runs from source (\`up -d\`); each request runs a one-job \`logger\` workflow and waits for it (\`wait_for_completion\` default), with console logging at \`warning\` so nothing is written per run. The bare app is hono on Bun.serve parsing the JSON and echoing it, in the benchmark's own process.`,
  "",
  "| server | requests/s | latency avg | latency max | vs bare |",
  "|---|---|---|---|---|",
  ...table,
].join("\n");
replaceSection(path.join(ROOT, "docs/benchmarks.md"), "Controller throughput", section);
console.log(`\n${section}`);
