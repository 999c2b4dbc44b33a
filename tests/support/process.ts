/** Process checks shared by the Bun and Deno suites (node: APIs only). */
import { readFileSync } from "node:fs";

/**
 * Whether a process with this pid still runs (`kill -0`). A zombie (dead, waiting to be
 * reaped by whoever inherited it) counts as gone.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true;
  }
}
