/**
 * Waiting for the controller's container after `up -d` or `start`: healthy when it has
 * a healthcheck, else still running (not restarted) after a while; an early, readable
 * failure when it exits, restarts or turns unhealthy, with its last log lines.
 */
import type Dockerode from "dockerode";
import { attempt } from "./connection.ts";

export interface WaitHealthyOptions {
  /** How often to look (default 250 ms). */
  pollMs?: number;
  /** Without a healthcheck: how long it must keep running (default 1 s). */
  settleMs?: number;
}

/**
 * Waits until the container runs and, when it has a healthcheck, reports healthy;
 * without one, until it has kept running (not restarted) for `settleMs`. Fails early
 * when it exits, restarts or turns unhealthy, with its last log lines (`lastLogLines`)
 * and the last healthcheck output; fails after `timeoutMs` otherwise.
 */
export async function waitHealthy(
  c: Dockerode.Container,
  timeoutMs: number,
  lastLogLines: (count: number) => Promise<string[]>,
  options: WaitHealthyOptions = {},
): Promise<void> {
  const pollMs = options.pollMs ?? 250;
  const settleMs = options.settleMs ?? 1000;
  const deadline = Date.now() + timeoutMs;
  let firstRun: { startedAt: string; restarts: number; seen: number } | undefined;
  for (;;) {
    const info = await attempt(`inspect container ${c.id}`, () => c.inspect());
    const name = info.Name.replace(/^\//, "") || c.id.slice(0, 12);
    const state = info.State;
    const restarts = (info as { RestartCount?: number }).RestartCount ?? 0;
    const health = (
      state as { Health?: { Status: string; Log?: Array<{ ExitCode: number; Output: string }> } }
    ).Health;
    const lastCheck = () => {
      const last = health?.Log?.at(-1);
      return last ? `; last healthcheck exited ${last.ExitCode}: ${last.Output.trim()}` : "";
    };
    const withLogs = async (message: string) => {
      const lines = await lastLogLines(20);
      return new Error(
        lines.length ? `${message}\nlast log lines:\n${lines.join("\n")}` : `${message} (no output)`,
      );
    };
    const restarted =
      firstRun !== undefined && (restarts !== firstRun.restarts || state.StartedAt !== firstRun.startedAt);
    if (state.Restarting || restarted) {
      const exit = state.Restarting ? `last exit code ${state.ExitCode}, ` : "";
      throw await withLogs(
        `container ${name} keeps exiting and restarting (${exit}restarted ${restarts} time${restarts === 1 ? "" : "s"})`,
      );
    }
    if (!state.Running && ["exited", "dead"].includes(state.Status)) {
      const error = state.Error ? `; ${state.Error}` : "";
      throw await withLogs(`container ${name} exited (exit code ${state.ExitCode}${error})`);
    }
    if (state.Running && !state.Paused) {
      firstRun ??= { startedAt: state.StartedAt, restarts, seen: Date.now() };
      if (health?.Status === "healthy") return;
      if (!health && Date.now() - firstRun.seen >= settleMs) return;
      if (health?.Status === "unhealthy")
        throw await withLogs(`container ${name} is unhealthy${lastCheck()}`);
    }
    if (Date.now() >= deadline) {
      if (!health && state.Running) return;
      throw await withLogs(
        `container ${name} did not become ${health ? "healthy" : "running"} within ${Math.round(timeoutMs / 1000)} s (state: ${state.Status}${health ? `, health: ${health.Status}` : ""}${lastCheck()})`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
  }
}
