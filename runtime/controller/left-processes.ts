/**
 * The processes an interrupted run left behind. A controller killed with SIGKILL cannot
 * end its jobs' processes: they are re-parented to init and keep running (a `sleep 600 &`,
 * a server a job started). Every process a job starts carries the run's id in its
 * environment (RUN_ID_VAR, inherited by every descendant), so the next controller, when
 * it marks the run `interrupted`, finds them in /proc and ends them: SIGTERM, then SIGKILL
 * to what is left after the grace period. A pid is signalled only while its environment
 * still names the run, so a reused pid is left alone. Linux only (elsewhere nothing is
 * found); a process that cleared its environment (`env -i`) is not found.
 */
import { readdirSync, readFileSync } from "node:fs";

/** The environment variable, set on every job process, that names the run it belongs to. */
export const RUN_ID_VAR = "MODEL_COMPOSE_RUN";
/** How long left processes get after SIGTERM before SIGKILL. */
export const LEFT_PROCESS_GRACE_MS = 5_000;

/** Live processes (zombies excluded) whose environment names one of `runIds`. */
export function findLeftProcesses(runIds: readonly string[]): number[] {
  if (process.platform !== "linux" || runIds.length === 0) return [];
  const entries = runIds.map((id) => `\u0000${RUN_ID_VAR}=${id}\u0000`);
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid || !belongs(pid, entries)) continue;
    out.push(pid);
  }
  return out;
}

function belongs(pid: number, entries: readonly string[]): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") return false;
    const env = `\u0000${readFileSync(`/proc/${pid}/environ`, "latin1")}`;
    return entries.some((e) => env.includes(e));
  } catch {
    // Gone, or another user's: not ours to end.
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ends the processes `runIds` left; resolves with how many there were. */
export async function endLeftProcesses(
  runIds: readonly string[],
  graceMs = LEFT_PROCESS_GRACE_MS,
): Promise<number> {
  const first = findLeftProcesses(runIds);
  if (first.length === 0) return 0;
  signal(first, "SIGTERM");
  const deadline = Date.now() + graceMs;
  let left = first;
  for (let wait = 10; left.length > 0 && Date.now() < deadline; wait = Math.min(wait * 2, 100)) {
    await sleep(wait);
    left = findLeftProcesses(runIds);
  }
  // What ignored SIGTERM, and what forked meanwhile.
  for (let round = 0; round < 50 && left.length > 0; round++) {
    signal(left, "SIGKILL");
    await sleep(20);
    left = findLeftProcesses(runIds);
  }
  return first.length;
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {}
  }
}
