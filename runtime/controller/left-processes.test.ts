import { afterAll, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { alive } from "../../tests/support/process.ts";
import { endLeftProcesses, findLeftProcesses, RUN_ID_VAR } from "./left-processes.ts";

const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) c.kill("SIGKILL");
});

function start(runId: string, script: string): number {
  const child = spawn("sh", ["-c", script], {
    env: { ...process.env, [RUN_ID_VAR]: runId },
    stdio: "ignore",
    detached: true,
  });
  started.push(child);
  return child.pid as number;
}

const linux = process.platform === "linux";

test.if(linux)(
  "ends the processes whose environment names the run, SIGKILL for one ignoring SIGTERM",
  async () => {
    const mine = start("01RUNMINE", "sleep 60");
    const stubborn = start("01RUNMINE", "trap '' TERM; while :; do sleep 1; done");
    const other = start("01RUNOTHER", "sleep 60");
    await Bun.sleep(200);
    // Their children (the loop's `sleep 1`) carry the variable too.
    const found = findLeftProcesses(["01RUNMINE"]);
    expect(found).toContain(mine);
    expect(found).toContain(stubborn);
    expect(found).not.toContain(other);
    expect(await endLeftProcesses(["01RUNMINE"], 300)).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 100 && (alive(mine) || alive(stubborn)); i++) await Bun.sleep(20);
    expect(alive(mine)).toBe(false);
    expect(alive(stubborn)).toBe(false);
    expect(alive(other)).toBe(true);
    expect(await endLeftProcesses([])).toBe(0);
  },
);
