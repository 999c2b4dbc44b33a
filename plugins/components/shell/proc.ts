/**
 * Reading the process table from Linux's /proc: each process's parent, process group,
 * session, state and start time (which, with the pid, names one process even after its
 * pid is reused), and whether its environment holds a given entry.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** R, S, D, Z (zombie: exited, not yet reaped), T, ... */
  readonly state: string;
  /** Start time in clock ticks since boot: with the pid, the process's identity. */
  readonly start: string;
}

/** True where /proc can be read (Linux). */
export const hasProc = (): boolean => process.platform === "linux" && existsSync("/proc/self/stat");

/** One process, or undefined when it is gone. */
export function readProc(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses.
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { pid, state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]), start: f[19] };
}

/** Every process this user can see. */
export function listProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const p = readProc(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** True when the process's environment (as it was at exec) holds `entry` (`NAME=value`). */
export function environHas(pid: number, entry: string): boolean {
  try {
    return `\u0000${readFileSync(`/proc/${pid}/environ`, "latin1")}`.includes(`\u0000${entry}\u0000`);
  } catch {
    return false;
  }
}
