/**
 * Which progress display `run` shows (`--progress`): `tty` redraws a job list on a
 * terminal, `plain` prints a line per change, `none` shows nothing. Without the option:
 * `tty` when stderr is a terminal (and TERM is not "dumb"), else nothing, so a piped or
 * redirected stderr gets no progress at all. Never on stdout, which carries the result.
 */
import { isTerminal } from "../../host/mod.ts";
import type { RunEvent } from "../../workflow/events.ts";

export const PROGRESS_MODES = ["plain", "tty", "none"] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

export interface Progress {
  onEvent(event: RunEvent): void;
  /** Leaves the final state on screen; call once the run is over. */
  stop(): void;
}

export function chooseProgress(
  option: string | undefined,
  env: Record<string, string | undefined> = process.env,
): ProgressMode {
  if (option !== undefined) return option as ProgressMode;
  return isTerminal(2) && env.TERM !== "dumb" ? "tty" : "none";
}

/** The display for `mode`; the terminal one loads its libraries now. */
export async function startProgress(mode: ProgressMode): Promise<Progress | undefined> {
  if (mode === "none") return undefined;
  if (mode === "plain") return (await import("./plain.ts")).plainProgress();
  return (await import("./tty.ts")).ttyProgress();
}
