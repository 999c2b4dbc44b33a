/**
 * Shared pieces of the docker runtime's end-to-end tests: a model-compose executable
 * compiled once per test process, runners for it (and for the source CLI), the docker
 * CLI, HTTP helpers for a controller published on 127.0.0.1, and a cleanup list that
 * removes every container, image, volume, network and directory a test made.
 *
 * Everything runs against the local daemon started by scripts/ci/setup.sh; nothing is
 * pulled from a registry and ports are published on 127.0.0.1 only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { build } from "../../scripts/build.ts";

export const ROOT = path.resolve(import.meta.dir, "../..");
export const BASE_IMAGE = "model-compose/busybox:local";
/** Labels the runtime puts on the containers, images and networks of a project. */
export const PROJECT_DIR_LABEL = "com.model-compose.project-dir";

/** A short random suffix that keeps names of one test run apart from any other. */
export function uniqueSuffix(): string {
  return `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let binaryDir: string | undefined;
let binary: Promise<string> | undefined;

/**
 * The model-compose executable compiled from the current source, once per test file
 * (`releaseBinary` in afterAll removes it: bun's test runner fires no exit event to
 * hook). Tests run it as users do; it also keeps the image's content stable for the
 * whole file (the runtime puts this very executable into the image), so "is up to
 * date" does not depend on someone editing the source meanwhile.
 */
export function compiledBinary(): Promise<string> {
  binary ??= (async () => {
    binaryDir = mkdtempSync(path.join(tmpdir(), "mc-e2e-bin-"));
    const [exe] = await build([process.arch === "arm64" ? "linux-arm64" : "linux-x64"], binaryDir, true);
    return exe;
  })();
  return binary;
}

/** Removes the compiled executable. */
export async function releaseBinary(): Promise<void> {
  await binary?.catch(() => undefined);
  if (binaryDir) rmSync(binaryDir, { recursive: true, force: true });
  binary = undefined;
  binaryDir = undefined;
}

/** The environment for a model-compose process: the test's own, plus `extra`. */
function envWith(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, value] of Object.entries({ ...process.env, ...extra })) {
    if (value !== undefined) env[k] = value;
  }
  return env;
}

async function collect(proc: Bun.Subprocess<"ignore", "pipe", "pipe">, timeoutMs: number): Promise<Result> {
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Runs the compiled executable. */
export async function mc(args: string[], options: RunOptions): Promise<Result> {
  const exe = await compiledBinary();
  const proc = Bun.spawn([exe, ...args], {
    cwd: options.cwd,
    env: envWith(options.env ?? {}),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return collect(proc, options.timeoutMs ?? 170_000);
}

/** Runs the CLI from source, as `bun --no-env-file cli.ts` (it compiles the executable itself). */
export async function mcFromSource(args: string[], options: RunOptions): Promise<Result> {
  const proc = Bun.spawn(["bun", "--no-env-file", path.join(ROOT, "cli.ts"), ...args], {
    cwd: options.cwd,
    env: envWith(options.env ?? {}),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return collect(proc, options.timeoutMs ?? 170_000);
}

/** Starts the compiled executable without waiting for it (foreground `up`). */
export async function mcSpawn(args: string[], options: RunOptions) {
  const exe = await compiledBinary();
  return Bun.spawn([exe, ...args], {
    cwd: options.cwd,
    env: envWith(options.env ?? {}),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Describes a finished command for assertion messages. */
export function show(r: Result): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** The docker CLI (tests only; the runtime itself talks to the Engine API). */
export function docker(args: string[], timeoutMs = 120_000): Result {
  const r = Bun.spawnSync(["docker", ...args], { stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString().trim(), stderr: r.stderr.toString().trim() };
}

/** `docker inspect` of one object, parsed; undefined when it does not exist. */
// biome-ignore lint/suspicious/noExplicitAny: docker inspect output is free-form JSON
export function inspect(kind: "container" | "image" | "network" | "volume", name: string): any {
  const r = docker([kind, "inspect", name]);
  if (r.code !== 0) return undefined;
  return JSON.parse(r.stdout)[0];
}

/** A TCP port free on 127.0.0.1 that a controller can also listen on inside a container. */
export { freeContainerPort } from "../support/net.ts";

/** Polls `probe` until it returns something other than undefined. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(250);
  }
}

/** The container's health status (`starting`, `healthy`, `unhealthy`), or its state without a healthcheck. */
export function healthOf(name: string): string | undefined {
  const info = inspect("container", name);
  return info?.State?.Health?.Status ?? info?.State?.Status;
}

export function waitHealthy(name: string, timeoutMs = 90_000): Promise<string> {
  return waitFor(
    `${name} to become healthy`,
    () => (healthOf(name) === "healthy" ? "healthy" : undefined),
    timeoutMs,
  );
}

/** Runs the default workflow through the controller on 127.0.0.1:port and returns the response. */
export async function runWorkflow(
  port: number,
  input: Record<string, unknown> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/workflows/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input, wait_for_completion: true }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Names of the containers that `docker ps -a` lists for a project directory. */
export function projectContainers(projectDir: string): string[] {
  const r = docker([
    "ps",
    "-a",
    "--filter",
    `label=${PROJECT_DIR_LABEL}=${projectDir}`,
    "--format",
    "{{.Names}}",
  ]);
  return r.stdout ? r.stdout.split("\n") : [];
}

/** Everything a test file made, removed in `run()` whatever happened before. */
export class Cleanup {
  private readonly projectDirs: string[] = [];
  private readonly containers: string[] = [];
  private readonly images: string[] = [];
  private readonly volumes: string[] = [];
  private readonly networks: string[] = [];
  private readonly dirs: string[] = [];

  /** A project directory: its containers, images, networks and volumes (found by label) go too. */
  project(dir: string): string {
    this.projectDirs.push(dir);
    this.dirs.push(dir);
    return dir;
  }
  container(name: string): string {
    this.containers.push(name);
    return name;
  }
  image(tag: string): string {
    this.images.push(tag);
    return tag;
  }
  volume(name: string): string {
    this.volumes.push(name);
    return name;
  }
  network(name: string): string {
    this.networks.push(name);
    return name;
  }
  dir(dir: string): string {
    this.dirs.push(dir);
    return dir;
  }

  run(): void {
    const labelled = (kind: "ps" | "images" | "network" | "volume", dir: string) => {
      const filter = ["--filter", `label=${PROJECT_DIR_LABEL}=${dir}`];
      const args =
        kind === "ps"
          ? ["ps", "-aq", ...filter]
          : kind === "images"
            ? ["images", "-aq", ...filter]
            : [kind, "ls", "-q", ...filter];
      const out = docker(args).stdout;
      return out ? [...new Set(out.split("\n"))] : [];
    };
    for (const dir of this.projectDirs) {
      for (const id of labelled("ps", dir)) docker(["rm", "-f", "-v", id]);
    }
    for (const name of this.containers) docker(["rm", "-f", "-v", name]);
    for (const name of this.networks) docker(["network", "rm", name]);
    for (const dir of this.projectDirs)
      for (const id of labelled("network", dir)) docker(["network", "rm", id]);
    for (const name of this.volumes) docker(["volume", "rm", "-f", name]);
    // The state volumes the runtime created (`down` keeps them, as Docker Compose does).
    for (const dir of this.projectDirs)
      for (const id of labelled("volume", dir)) docker(["volume", "rm", "-f", id]);
    // Tagged images first, then every (intermediate or replaced) image the builds left;
    // a parent goes only once its children are gone, hence the passes.
    for (const tag of this.images) docker(["rmi", "-f", tag]);
    for (let pass = 0; pass < 4; pass++) {
      const left = this.projectDirs.flatMap((dir) => labelled("images", dir));
      if (left.length === 0) break;
      for (const id of left) docker(["rmi", "-f", id]);
    }
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}
