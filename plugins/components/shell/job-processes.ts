/**
 * Every process a job started, found and ended with the job: when its command exits,
 * times out or is cancelled. A process group is not enough: `setsid`, `nohup ... &` in a
 * new session, or a daemon's double fork leave the group, and a background child
 * (`sleep 32 & echo started`) outlives its shell.
 *
 * On Linux this process becomes a child subreaper (prctl through the host's FFI), so an
 * orphaned descendant is re-parented to it instead of to init and stays in its tree. A
 * job's processes are those below its shell, those in its process group or session, and
 * those whose environment carries the job's token (MODEL_COMPOSE_JOB, inherited by every
 * descendant); the tree is walked through /proc/PID/task/TID/children, and a pid is only
 * trusted together with its start time. Ending: SIGTERM to all, SIGKILL to what is left
 * after the grace period (and to what forked meanwhile), then the exited orphans that
 * were re-parented here are reaped (waitpid), since no one else will.
 *
 * Not found: a process that both leaves the job's session and clears its environment
 * (`setsid env -i cmd`) before it is seen below the shell; seen once, it is remembered.
 * Elsewhere (macOS, or without FFI), the job's process group is ended, as before.
 */
import { readdirSync, readFileSync } from "node:fs";
import { type ProcessControl, processControl } from "../../../runtime/host/mod.ts";
import { environHas, hasProc, listProcs, type ProcInfo, readProc } from "./proc.ts";

/** The environment variable that marks a job's processes. */
export const JOB_TOKEN_VAR = "MODEL_COMPOSE_JOB";
/** How often a running job's tree is walked, to remember processes that may leave it. */
const TRACK_MS = 500;

interface Platform {
  readonly proc: boolean;
  readonly control?: ProcessControl;
  readonly subreaper: boolean;
}

let platform: Promise<Platform> | undefined;

/** Once per process: the subreaper, before the first job starts anything. */
export function preparePlatform(): Promise<Platform> {
  platform ??= (async () => {
    const proc = hasProc();
    const control = proc ? await processControl() : undefined;
    return { proc, control, subreaper: control?.setChildSubreaper() ?? false };
  })();
  return platform;
}

/**
 * A fresh token for a job's environment. Web Crypto, not node:crypto: loading that
 * module pulls in Node's stream machinery, about 3 ms of a shell job's start.
 */
export function newJobToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += bytes[i].toString(16).padStart(2, "0");
  return hex;
}

/** Direct children of `pid` (every thread's). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, "latin1").split(" ")) {
        if (c) out.push(Number(c));
      }
    } catch {}
  }
  return out;
}

/** Every process below `root`, with its details. */
function descendants(root: number): ProcInfo[] {
  const out: ProcInfo[] = [];
  const queue = childrenOf(root);
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const p = readProc(pid);
    if (!p) continue;
    out.push(p);
    queue.push(...childrenOf(pid));
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class JobProcesses {
  /** Processes seen as the job's: pid -> start time. */
  private readonly known = new Map<number, string>();
  private readonly shellStart?: string;
  private timer?: ReturnType<typeof setInterval>;
  private ending?: Promise<void>;

  constructor(
    private readonly shellPid: number,
    private readonly token: string,
    private readonly platform: Platform,
  ) {
    if (platform.proc) {
      this.shellStart = readProc(shellPid)?.start;
      this.timer = setInterval(() => this.track(), TRACK_MS);
      this.timer.unref?.();
    }
  }

  /** The job's processes now (zombies included), remembered for later. */
  private track(): ProcInfo[] {
    const entry = `${JOB_TOKEN_VAR}=${this.token}`;
    // With the subreaper every orphan stays below this process; without, look everywhere.
    const pool = this.platform.subreaper ? descendants(process.pid) : listProcs();
    const children = new Map<number, ProcInfo[]>();
    for (const p of pool) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
    const found = new Map<number, ProcInfo>();
    const add = (p: ProcInfo) => {
      if (p.pid === process.pid || found.has(p.pid)) return;
      found.set(p.pid, p);
      for (const c of children.get(p.pid) ?? []) add(c);
    };
    for (const p of pool) {
      const mine =
        (p.pid === this.shellPid && p.start === this.shellStart) ||
        p.pgrp === this.shellPid ||
        p.session === this.shellPid ||
        this.known.get(p.pid) === p.start ||
        (p.state !== "Z" && environHas(p.pid, entry));
      if (mine) add(p);
    }
    for (const p of found.values()) this.known.set(p.pid, p.start);
    return [...found.values()];
  }

  /**
   * Ends every process of the job: SIGTERM, then SIGKILL after `graceMs`; resolves when
   * all are gone and the orphans re-parented here are reaped. Called again, it returns
   * the same promise.
   */
  end(graceMs: number): Promise<void> {
    this.ending ??= this.platform.proc ? this.endTracked(graceMs) : this.endGroup(graceMs);
    return this.ending;
  }

  private async endTracked(graceMs: number): Promise<void> {
    clearInterval(this.timer);
    const live = () => this.track().filter((p) => p.state !== "Z");
    let left = live();
    signal(left, "SIGTERM");
    const deadline = Date.now() + graceMs;
    for (let wait = 10; left.length > 0 && Date.now() < deadline; wait = Math.min(wait * 2, 100)) {
      await sleep(wait);
      this.reapOrphans();
      left = live();
    }
    // What ignored SIGTERM, and what forked meanwhile.
    for (let round = 0; round < 50 && left.length > 0; round++) {
      signal(left, "SIGKILL");
      await sleep(20);
      this.reapOrphans();
      left = live();
    }
    for (let round = 0; round < 10 && this.reapOrphans() > 0; round++) await sleep(20);
  }

  /** Exited processes of the job that were re-parented here; returns how many are still waiting. */
  private reapOrphans(): number {
    const control = this.platform.control;
    if (!control || !this.platform.subreaper) return 0;
    let waiting = 0;
    for (const [pid, start] of this.known) {
      // The shell is the runtime's own child (host spawn): it reaps it.
      if (pid === this.shellPid) continue;
      const p = readProc(pid);
      if (!p || p.start !== start || p.ppid !== process.pid) continue;
      if (p.state === "Z" && !control.reap(pid)) waiting++;
    }
    return waiting;
  }

  /** Without /proc: the process group only. */
  private async endGroup(graceMs: number): Promise<void> {
    const group = -this.shellPid;
    if (!kill(group, "SIGTERM")) return;
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && kill(group, 0)) await sleep(25);
    kill(group, "SIGKILL");
  }
}

function signal(procs: readonly ProcInfo[], sig: NodeJS.Signals): void {
  for (const p of procs) kill(p.pid, sig);
}

function kill(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
