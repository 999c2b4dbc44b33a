// biome-ignore-all lint/suspicious/noExplicitAny: reply bodies are untyped JSON that tests pick apart
/**
 * Helpers for the controller's end-to-end tests: projects in temporary directories,
 * the real CLI as a child process (foreground `up`, `up -d`, `down`), plain HTTP with
 * fetch, and polling. Every process and directory made here is recorded so `cleanup()`
 * can remove it even when a test fails half-way.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Subprocess } from "bun";
import YAML from "yaml";
import { isAlive } from "../../runtime/controller/state.ts";
import { freePort } from "../support/net.ts";

export const REPO = path.resolve(import.meta.dir, "../..");
export const CLI = path.join(REPO, "cli.ts");
export const FIXTURES = path.join(import.meta.dir, "fixtures");

export { freePort };

export interface TestProject {
  dir: string;
  file: string;
  port: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `url` + the base path (`/api`). */
  api: string;
}

const dirs = new Set<string>();
const children = new Set<Subprocess>();

type Doc = Record<string, unknown>;

/**
 * Writes `doc` as `model-compose.yml` in a new temporary directory (a function gets the
 * directory, for commands that write files there). The controller gets a free port
 * unless `controller.port` is set.
 */
export function makeProject(make: Doc | ((dir: string) => Doc)): TestProject {
  const dir = mkdtempSync(path.join(tmpdir(), "mc-controller-"));
  dirs.add(dir);
  const doc = typeof make === "function" ? make(dir) : make;
  const controller = { ...((doc.controller as Record<string, unknown>) ?? {}) };
  controller.port ??= freePort();
  const port = Number(controller.port);
  const file = path.join(dir, "model-compose.yml");
  writeFileSync(file, YAML.stringify({ ...doc, controller }));
  const base = String(controller.base_path ?? "/api");
  const url = `http://127.0.0.1:${port}`;
  return { dir, file, port, url, api: url + base };
}

/** Collects a child's output as it arrives, so it can be read before the child exits. */
class Output {
  private chunks: string[] = [];
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) this.chunks.push(decoder.decode(chunk, { stream: true }));
    })();
  }

  text(): string {
    return this.chunks.join("");
  }
}

/** A CLI process started by a test. */
export interface CliProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  stdout: Output;
  stderr: Output;
}

/** Starts `bun cli.ts -f <file> ...args` in the project's directory. */
export function spawnCli(project: TestProject, args: string[]): CliProcess {
  const proc = Bun.spawn(["bun", "--no-env-file", CLI, "-f", project.file, ...args], {
    cwd: project.dir,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  children.add(proc);
  proc.exited.then(() => children.delete(proc));
  return { proc, stdout: new Output(proc.stdout), stderr: new Output(proc.stderr) };
}

/** Runs a CLI command to its end. */
export async function runCli(
  project: TestProject,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawnCli(project, args);
  const timer = setTimeout(() => child.proc.kill("SIGKILL"), timeoutMs);
  const code = await child.proc.exited;
  clearTimeout(timer);
  await Promise.all([child.stdout.done, child.stderr.done]);
  return { code, stdout: child.stdout.text(), stderr: child.stderr.text() };
}

/** A foreground `up` that answered its health check. */
export interface Foreground extends CliProcess {
  project: TestProject;
  /** All output so far (stdout and stderr). */
  log(): string;
}

/** Starts `up` in the foreground and waits until `/health` answers 200. */
export async function upForeground(project: TestProject, timeoutMs = 30_000): Promise<Foreground> {
  const child = spawnCli(project, ["up"]);
  const log = () => child.stdout.text() + child.stderr.text();
  let exited: number | undefined;
  child.proc.exited.then((code) => {
    exited = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined)
      throw new Error(`up exited with code ${exited} before it was healthy:\n${log()}`);
    const res = await fetch(`${project.url}/health`, { signal: AbortSignal.timeout(1000) }).catch(
      () => undefined,
    );
    if (res?.status === 200) return { ...child, project, log };
    await Bun.sleep(50);
  }
  child.proc.kill("SIGKILL");
  throw new Error(`up did not become healthy within ${timeoutMs} ms:\n${log()}`);
}

/** Stops every process the tests started and removes their directories. */
export async function cleanup(): Promise<void> {
  for (const proc of children) proc.kill("SIGKILL");
  await Promise.all([...children].map((p) => p.exited));
  for (const dir of dirs) {
    // A detached controller is not our child: find it by its state file.
    const stateFile = path.join(dir, ".model-compose", "controller.json");
    if (existsSync(stateFile)) {
      try {
        const { pid } = JSON.parse(readFileSync(stateFile, "utf8")) as { pid: number };
        if (pid !== process.pid && isAlive(pid)) process.kill(pid, "SIGKILL");
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  }
  dirs.clear();
}

export { isAlive };

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: T;
}

/** One HTTP request; the body is parsed as JSON when it is JSON. */
export async function request<T = any>(url: string, init: RequestInit = {}): Promise<Reply<T>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000), ...init });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body: body as T };
}

/** POSTs JSON (an object is serialised; a string is sent as-is). */
export function postJson<T = any>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  return request<T>(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Starts a run: `POST {api}/workflows/runs`. */
export function startRun<T = any>(
  project: TestProject,
  body: { workflow_id?: string; input?: unknown; wait_for_completion?: boolean },
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  return postJson<T>(`${project.api}/workflows/runs`, body, headers);
}

/** Calls `fn` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(intervalMs);
  }
}

/** The task's state (`GET {api}/tasks/{id}`). */
export async function getTask(project: TestProject, taskId: string): Promise<any> {
  const reply = await request(`${project.api}/tasks/${taskId}`);
  if (reply.status !== 200)
    throw new Error(`GET task ${taskId}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Polls a task until its status is one of `statuses` (default: any final status). */
export function waitForTask(
  project: TestProject,
  taskId: string,
  statuses: string[] = ["completed", "failed", "cancelled"],
  timeoutMs = 30_000,
): Promise<any> {
  return waitFor(
    `task ${taskId} to be ${statuses.join(" or ")}`,
    async () => {
      const task = await getTask(project, taskId);
      return statuses.includes(task.status) ? task : undefined;
    },
    timeoutMs,
  );
}

/** The lines of a file that other processes append to (empty when it does not exist yet). */
export function readLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean);
}

/**
 * The largest number of `start`/`end` intervals open at once, in file order. The file
 * is appended to by the jobs themselves, so its order is the order things happened.
 */
export function maxOverlap(lines: string[]): number {
  let open = 0;
  let max = 0;
  for (const line of lines) {
    if (line.startsWith("start ")) max = Math.max(max, ++open);
    else if (line.startsWith("end ")) open--;
  }
  return max;
}

/** A shell command that logs `start <id> <ms>` / `end <id> <ms>` to `file` around a sleep. */
export function loggedSleep(file: string, id: string, seconds: number | string): string {
  const q = JSON.stringify(file);
  return `echo "start ${id} $(date +%s%3N)" >> ${q}; sleep ${seconds}; echo "end ${id} $(date +%s%3N)" >> ${q}`;
}
