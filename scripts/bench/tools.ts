/**
 * What the benchmark suite measures with: wrk and hyperfine runs read back as numbers,
 * servers started as child processes (so their RSS can be read and they can be stopped),
 * and the machine's description for the report.
 */
import { readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../../tests/support/net.ts";

export const ROOT = path.resolve(import.meta.dir, "../..");
export const CLI = path.join(ROOT, "cli.ts");
export { freePort };

export interface WrkResult {
  rps: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  requests: number;
  errors: string[];
}

function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

/** The text a command prints; throws with its output when it fails. */
export async function output(cmd: string[], cwd = ROOT): Promise<string> {
  const proc = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0)
    throw new Error(
      `${cmd[0]} exited ${code}: ${(err || out).trim().slice(-400)} (${cmd.join(" ").slice(0, 300)})`,
    );
  return out;
}

/** wrk POSTing `luaFile`'s body at `connections` for `seconds` (asynchronous: the bare app may live here). */
export async function wrk(
  url: string,
  luaFile: string,
  connections: number,
  seconds: number,
): Promise<WrkResult> {
  const threads = Math.min(2, connections);
  const out = await output([
    "wrk",
    `-t${threads}`,
    `-c${connections}`,
    `-d${seconds}s`,
    "--timeout",
    "10s",
    "--latency",
    "-s",
    luaFile,
    url,
  ]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? "");
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? "");
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const errors = [/Non-2xx or 3xx responses: \d+/.exec(out)?.[0], /Socket errors: .*/.exec(out)?.[0]].filter(
    (e): e is string => Boolean(e),
  );
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk's output:\n${out}`);
  return { rps, p50, p99, requests, errors };
}

export interface HyperfineResult {
  name: string;
  /** Seconds. */
  mean: number;
  stddev: number;
  median: number;
}

/**
 * hyperfine over `commands` (no shell). hyperfine runs each command's series in turn;
 * the suite calls it with the baseline beside the measured command so both see the same
 * minute of the machine.
 */
export async function hyperfine(
  commands: Array<[string, string]>,
  runs: number,
  jsonFile: string,
): Promise<HyperfineResult[]> {
  await output([
    "hyperfine",
    "-N",
    "--warmup",
    String(Math.min(3, runs)),
    "--runs",
    String(runs),
    "--export-json",
    jsonFile,
    "--style",
    "none",
    ...commands.flatMap(([n, c]) => ["-n", n, c]),
  ]);
  const results = JSON.parse(readFileSync(jsonFile, "utf8")).results as Array<{
    command: string;
    mean: number;
    stddev: number | null;
    median: number;
  }>;
  return results.map((r) => ({ name: r.command, mean: r.mean, stddev: r.stddev ?? 0, median: r.median }));
}

/** A server started as a child process, ready when `readyUrl` answers. */
export interface ChildServer {
  pid: number;
  stop(): Promise<void>;
}

export async function startChild(
  cmd: string[],
  cwd: string,
  readyUrl: string,
  timeoutMs = 60_000,
): Promise<ChildServer> {
  const proc = Bun.spawn(cmd, {
    cwd,
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const stderr = new Response(proc.stderr).text();
  const deadline = performance.now() + timeoutMs;
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGTERM");
    const killer = setTimeout(() => proc.kill("SIGKILL"), 2_000);
    await proc.exited;
    clearTimeout(killer);
  };
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`${cmd.join(" ")} exited ${proc.exitCode}: ${(await stderr).trim()}`);
    try {
      const r = await fetch(readyUrl);
      await r.arrayBuffer();
      if (r.status < 500) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`${cmd.join(" ")} did not answer ${readyUrl} within ${timeoutMs} ms`);
    }
    await Bun.sleep(100);
  }
  return { pid: proc.pid, stop };
}

/** Resident set size of a process, in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

/** `n` POSTs of `body` to `url`, `concurrency` at a time; throws on any non-2xx. */
export async function postMany(url: string, body: string, n: number, concurrency: number): Promise<void> {
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < n) {
        sent++;
        const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
        await r.arrayBuffer();
        if (r.status >= 300) throw new Error(`POST ${url}: HTTP ${r.status}`);
      }
    }),
  );
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGb: number;
  kernel: string;
  bun: string;
  commit: string;
  uptime: string;
  load1: number;
}

export async function machine(): Promise<Machine> {
  const commit = (await output(["git", "rev-parse", "--short", "HEAD"]).catch(() => "unknown")).trim();
  // The report and chart this run rewrites are not a change to what it measured.
  const dirty = (
    await output([
      "git",
      "status",
      "--porcelain",
      "--untracked-files=no",
      "--",
      ".",
      ":!docs/benchmarks.md",
      ":!docs/benchmarks.svg",
    ]).catch(() => "")
  ).trim();
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "unknown",
    memoryGb: os.totalmem() / 1024 ** 3,
    kernel: `${os.type()} ${os.release()}`,
    bun: Bun.version,
    commit: dirty ? `${commit} (with uncommitted changes)` : commit,
    uptime: (await output(["uptime"]).catch(() => "")).trim(),
    load1: os.loadavg()[0],
  };
}
