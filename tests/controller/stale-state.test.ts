// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Signals go only to our own controller. A `.model-compose/controller.json` left by a
 * crash names a pid that may now belong to any process; `down`, `up -d` and
 * `up --force-recreate` must neither signal that process nor refuse to start because of
 * it, and a zombie (killed, not yet reaped) counts as gone.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Subprocess } from "bun";
import {
  healthInstanceId,
  identify,
  isAlive,
  processStartTime,
} from "../../runtime/controller/process-identity.ts";
import { cleanup, makeProject, request, runCli, type TestProject, upForeground, waitFor } from "./helpers.ts";

const sleepers: Subprocess[] = [];
afterEach(async () => {
  for (const s of sleepers.splice(0)) s.kill("SIGKILL");
  await cleanup();
});

/** An unrelated live process: what a reused pid belongs to. */
function unrelated(): Subprocess {
  const proc = Bun.spawn(["sleep", "120"], { stdout: "ignore", stderr: "ignore" });
  sleepers.push(proc);
  return proc;
}

/**
 * A zombie: `sh` starts a child that exits shortly after, then becomes `sleep` (exec), which
 * never waits for it. Resolves with the zombie's pid.
 */
async function zombie(): Promise<number> {
  const proc = Bun.spawn(["sh", "-c", "sleep 0.3 & echo $!; exec sleep 120"], {
    stdout: "pipe",
    stderr: "ignore",
  });
  sleepers.push(proc);
  const reader = proc.stdout.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  const pid = Number(new TextDecoder().decode(value).trim());
  await waitFor("the child to become a zombie", () =>
    readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "),
  );
  return pid;
}

function hiProject(): TestProject {
  return makeProject({
    workflows: [
      { id: "hi", jobs: [{ id: "say", component: "shell", command: "printf hi", output: "${stdout}" }] },
    ],
  });
}

const stateFile = (p: TestProject) => path.join(p.dir, ".model-compose", "controller.json");

/** Writes a state file as a crashed controller would have left it, naming `pid`. */
function staleState(p: TestProject, pid: number, extra: Record<string, unknown> = {}): void {
  mkdirSync(path.dirname(stateFile(p)), { recursive: true });
  writeFileSync(
    stateFile(p),
    JSON.stringify({
      pid,
      host: "127.0.0.1",
      port: p.port,
      base_path: "/api",
      started_at: "2020-01-01T00:00:00Z",
      ...extra,
    }),
  );
}

describe("process identity", () => {
  test("a reused pid (another start time) is another process; the recorded one is ours; an exited one is gone", async () => {
    const other = unrelated();
    const recorded = { pid: other.pid, host: "127.0.0.1", port: 1 };
    const start = processStartTime(other.pid);
    expect(start).toMatch(/^[0-9a-f-]+:\d+$/);
    expect(await identify({ ...recorded, pid_start: "boot:1" })).toBe("other");
    expect(await identify({ ...recorded, pid_start: start })).toBe("ours");
    // Without a recorded start time, only /health with the recorded instance id proves it.
    expect(await identify({ ...recorded, instance_id: "x" })).toBe("other");
    expect(await identify(recorded)).toBe("other");
    other.kill("SIGKILL");
    await other.exited;
    expect(await identify({ ...recorded, pid_start: start })).toBe("gone");
  });

  test("a state file of an older version (no identity) names our controller only if it runs this executable and answers /health", async () => {
    const project = hiProject();
    const up = await upForeground(project);
    const older = { pid: up.proc.pid, host: "127.0.0.1", port: project.port };
    expect(await identify(older)).toBe("ours");
    expect(await identify({ ...older, port: 1 })).toBe("other");
    const other = unrelated();
    expect(await identify({ ...older, pid: other.pid })).toBe("other");
  });

  test("a zombie is gone", async () => {
    const pid = await zombie();
    expect(isAlive(pid)).toBe(false);
    expect(await identify({ pid, host: "127.0.0.1", port: 1, pid_start: processStartTime(pid) })).toBe(
      "gone",
    );
  });

  test("a controller reports its instance id on /health and records it with its start time", async () => {
    const project = hiProject();
    const up = await upForeground(project);
    const state = JSON.parse(readFileSync(stateFile(project), "utf8"));
    expect(state.pid).toBe(up.proc.pid);
    expect(state.pid_start).toBe(processStartTime(up.proc.pid));
    expect(await healthInstanceId(state)).toBe(state.instance_id);
    expect(await identify(state)).toBe("ours");
    // Without /proc's answer, the instance id alone proves it.
    expect(await identify({ ...state, pid_start: undefined })).toBe("ours");
  });
});

describe("a stale state file naming an unrelated live process", () => {
  for (const [name, extra] of [
    ["with a start time", { pid_start: "boot:1", instance_id: "gone-controller" }],
    ["from an older version, without identity", {}],
  ] as const) {
    test(`down does not signal it (${name})`, async () => {
      const project = hiProject();
      const other = unrelated();
      staleState(project, other.pid, extra);
      const down = await runCli(project, ["down"]);
      expect(down.code).toBe(0);
      expect(down.stdout).toBe(
        `no controller is running for this project (its state file was stale: pid ${other.pid} now belongs to another process, which was left alone)\n`,
      );
      await Bun.sleep(300);
      expect(isAlive(other.pid)).toBe(true);
      expect(other.exitCode).toBeNull();
    });
  }

  test("up -d starts (not 'already running') and up -d --force-recreate does not signal it", async () => {
    const project = hiProject();
    const other = unrelated();
    staleState(project, other.pid, { pid_start: "boot:1" });
    const up = await runCli(project, ["up", "-d"]);
    expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect((await request(`${project.url}/health`)).status).toBe(200);
    expect((await runCli(project, ["down"])).code).toBe(0);

    staleState(project, other.pid, { pid_start: "boot:1" });
    const recreate = await runCli(project, ["up", "-d", "--force-recreate"]);
    expect(recreate.code).toBe(0);
    expect(isAlive(other.pid)).toBe(true);
    expect((await runCli(project, ["down"])).code).toBe(0);
    expect(isAlive(other.pid)).toBe(true);
    expect(other.exitCode).toBeNull();
  }, 60_000);

  test("up -d right after the controller became a zombie starts a new one", async () => {
    const project = hiProject();
    const pid = await zombie();
    staleState(project, pid, { pid_start: processStartTime(pid), instance_id: "dead" });
    const up = await runCli(project, ["up", "-d"]);
    expect(up.stderr).not.toContain("already running");
    expect(up.code).toBe(0);
    expect((await runCli(project, ["down"])).code).toBe(0);
  }, 60_000);
});
