/**
 * `up -d`: starts this same executable as a detached background process running `up`,
 * with its output in the project's log file, and returns once `/health` answers. If it
 * never does, the log's tail says why.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { EXIT_CONFIG } from "../cli/report.ts";
import { ConfigError } from "../errors.ts";
import { sleep } from "../host/mod.ts";
import { selfCommand } from "../self.ts";
import { identify, stillTheSame } from "./process-identity.ts";
import { clientHost, isAlive, ProjectState } from "./state.ts";
import { within } from "./within.ts";

/** How long a controller found gone may take to report its exit code. */
const EXIT_EVENT_MS = 2000;

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export async function startDetached(
  projectDir: string,
  globalArgs: string[],
  options: { timeoutMs?: number } = {},
): Promise<{ pid: number; url: string; log: string }> {
  const state = new ProjectState(projectDir);
  await state.refuseIfRunning();
  mkdirSync(state.dir, { recursive: true });
  const out = openSync(state.logFile, "a");
  const [cmd, ...args] = selfCommand();
  const child = spawn(cmd, [...args, ...globalArgs, "up"], {
    cwd: process.cwd(),
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...process.env, MODEL_COMPOSE_LOG_FILE: state.logFile },
  });
  closeSync(out);
  const pid = child.pid!;
  let exited: number | null = null;
  const exit = new Promise<void>((resolve) =>
    child.on("exit", (code) => {
      exited = code ?? 1;
      resolve();
    }),
  );
  child.unref();
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    const s = state.read();
    if (s?.pid === pid) {
      const url = `http://${clientHost(s.host)}:${s.port}`;
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return { pid, url, log: state.logFile };
      } catch {}
    }
    if (exited !== null || !isAlive(pid)) {
      // Reaped is not yet reported: the process can be gone before its exit event is
      // handled, and its exit code says whose fault the failure is.
      if (exited === null) await within(exit, EXIT_EVENT_MS);
      const message = `the controller exited during start-up (exit code ${exited ?? "?"}); last lines of ${state.logFile}:\n${tail(state.logFile)}`;
      // Its configuration error (a port in use, a missing variable) is ours: same exit code 2.
      throw exited === EXIT_CONFIG ? new ConfigError(message) : new Error(message);
    }
    await sleep(100);
  }
  try {
    process.kill(pid, "SIGTERM");
  } catch {}
  throw new Error(
    `the controller did not become healthy within ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s; last lines of ${state.logFile}:\n${tail(state.logFile)}`,
  );
}

/**
 * `down`: asks the controller to stop via `.stop` and waits for it to exit. Signals
 * (SIGTERM, then SIGKILL) only a process verified to be the recorded controller, checked
 * again right before each one: the pid may have been reused meanwhile.
 */
export async function stopRunning(
  projectDir: string,
  graceMs: number,
): Promise<{ pid: number; forced: boolean } | { stale?: string } | undefined> {
  const state = new ProjectState(projectDir);
  const running = await state.running();
  if (!running) {
    state.clearStop();
    return state.stale ? { stale: state.stale } : undefined;
  }
  state.requestStop();
  // The controller polls every second, then drains for up to its grace period.
  const deadline = Date.now() + graceMs + 10_000;
  while (Date.now() < deadline && stillTheSame(running)) await sleep(100);
  let forced = false;
  const signal = async (name: NodeJS.Signals) => {
    if ((await identify(running)) !== "ours") return false;
    try {
      process.kill(running.pid, name);
    } catch {}
    return true;
  };
  if (stillTheSame(running) && (await signal("SIGTERM"))) {
    forced = true;
    const hard = Date.now() + 5000;
    while (Date.now() < hard && stillTheSame(running)) await sleep(100);
    if (stillTheSame(running)) await signal("SIGKILL");
  }
  state.clearStop();
  state.clear(running.pid);
  return { pid: running.pid, forced };
}
