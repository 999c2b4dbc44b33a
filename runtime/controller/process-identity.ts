/**
 * Is the process a state file names still the controller that wrote it? Process ids are
 * reused after a crash or a reboot, so before `down` or `up --force-recreate` signals a
 * pid, and before `up` refuses to start because one "is running", the process must
 * prove who it is:
 *
 * - its start time (Linux: field 22 of /proc/PID/stat, in clock ticks since boot, with
 *   the boot id) must be the one recorded when the controller started: a reused pid
 *   belongs to a process that started later;
 * - and, where /proc is missing, `/health` at the recorded address must report the
 *   recorded instance id;
 * - a state file of an older version (no identity recorded) names our controller only
 *   if the process runs this executable and a controller answers at its address.
 *
 * A zombie (exited, not yet reaped) is gone: it holds no port and takes no signal.
 */
import { readFileSync, realpathSync } from "node:fs";

export interface RecordedIdentity {
  pid: number;
  /** processStartTime() of the controller, when it could be read. */
  pid_start?: string;
  /** The id the controller reports on /health. */
  instance_id?: string;
  host: string;
  port: number;
}

/** What /proc says of a pid: its state letter and start time, or undefined without /proc. */
function procStat(pid: number): { state: string; start: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses; it ends at the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After COMM, STATE is field 3 of the man page's numbering and starttime field 22.
  return { state: fields[0] ?? "", start: fields[19] ?? "" };
}

let bootId: string | undefined;
function currentBootId(): string {
  if (bootId === undefined) {
    try {
      bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      bootId = "";
    }
  }
  return bootId;
}

/** True while /proc can be read (Linux). */
export function hasProc(): boolean {
  return procStat(process.pid) !== undefined;
}

/** `BOOT_ID:START_TICKS` of a live process, or undefined (no such process, or no /proc). */
export function processStartTime(pid: number): string | undefined {
  const stat = procStat(pid);
  return stat ? `${currentBootId()}:${stat.start}` : undefined;
}

/** The pid exists and has not exited (a zombie has); EPERM still means it exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const state = procStat(pid)?.state;
  return state !== "Z" && state !== "X";
}

/** The address clients on this host use to reach a server bound to `host`. */
export function clientHost(host: string): string {
  return host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host;
}

/** The instance id /health reports at the recorded address, or undefined when nothing answers so. */
export async function healthInstanceId(
  recorded: RecordedIdentity,
  timeoutMs = 1000,
): Promise<string | undefined> {
  try {
    const res = await fetch(`http://${clientHost(recorded.host)}:${recorded.port}/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { instance_id?: unknown };
    return typeof body.instance_id === "string" ? body.instance_id : undefined;
  } catch {
    return undefined;
  }
}

export type Identity =
  /** The recorded controller, still running. */
  | "ours"
  /** No such process any more (or a zombie). */
  | "gone"
  /** The pid now belongs to another process, or nothing proves it is the controller. */
  | "other";

/**
 * Whether the recorded controller is the live process with that pid. With /proc and a
 * recorded start time, the start time decides (a controller that hangs and answers no
 * /health is still ours, so `down` can end it). Without them, only /health answering
 * with the recorded instance id proves it.
 */
export async function identify(recorded: RecordedIdentity): Promise<Identity> {
  if (!isAlive(recorded.pid)) return "gone";
  const start = processStartTime(recorded.pid);
  if (start !== undefined && recorded.pid_start !== undefined)
    return start === recorded.pid_start ? "ours" : "other";
  if (recorded.instance_id === undefined) return (await olderController(recorded)) ? "ours" : "other";
  return (await healthInstanceId(recorded)) === recorded.instance_id ? "ours" : "other";
}

/**
 * A state file written before identities were recorded: the process must run this same
 * executable (/proc/PID/exe) and a controller must answer /health at the recorded
 * address, so that `down` after an upgrade still stops the old controller.
 */
async function olderController(recorded: RecordedIdentity): Promise<boolean> {
  let exe: string;
  try {
    exe = realpathSync(`/proc/${recorded.pid}/exe`);
  } catch {
    return false;
  }
  if (exe !== realpathSync(process.execPath)) return false;
  try {
    const res = await fetch(`http://${clientHost(recorded.host)}:${recorded.port}/health`, {
      signal: AbortSignal.timeout(1000),
    });
    const body = (await res.json()) as { status?: unknown };
    return body.status === "ok" || body.status === "shutting_down";
  } catch {
    return false;
  }
}

/** Synchronous check for the moments between signals: still alive with the same start time. */
export function stillTheSame(recorded: RecordedIdentity): boolean {
  if (!isAlive(recorded.pid)) return false;
  const start = processStartTime(recorded.pid);
  return start === undefined || recorded.pid_start === undefined || start === recorded.pid_start;
}
