// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Processes that try to outlive their job: a `setsid` child (its own session and group),
 * a double-forked daemon, a background child after the shell exits. Each is gone when
 * the job is over (completed, timed out or cancelled), checked with kill -0, which also
 * answers for a zombie: the orphans re-parented to this process are reaped too.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { runError, runYaml, tempDir } from "./helpers.ts";

/** kill -0: true while the pid exists, zombie or not. */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, ms = 8000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!exists(pid)) return true;
    await Bun.sleep(25);
  }
  return !exists(pid);
}

async function pidIn(file: string): Promise<number> {
  const end = Date.now() + 5000;
  while (!existsSync(file) || readFileSync(file, "utf8").trim() === "") {
    if (Date.now() > end) throw new Error(`no pid in ${file}`);
    await Bun.sleep(10);
  }
  return Number(readFileSync(file, "utf8").trim());
}

function job(command: string, extra = ""): string {
  return `workflow:\n  component: shell\n  command: ${JSON.stringify(command)}\n${extra}`;
}

/** Shell code that waits until the pid file is written (no guess at how long that takes). */
const AWAIT = (pidFile: string) => `while [ ! -s ${pidFile} ]; do sleep 0.01; done;`;

/** A process in a session of its own: `setsid` (or, where it forks, its child). */
const SETSID = (pidFile: string) => `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 60' >/dev/null 2>&1 &`;

describe.skipIf(process.platform !== "linux")("every process of a job ends with it", () => {
  test("a setsid child, when the job times out", async () => {
    const f = path.join(tempDir(), "pid");
    const error = await runError(runYaml(job(`${SETSID(f)} sleep 60`, "  timeout: 500ms\n")));
    expect(error.message).toContain("timed out after 500 ms");
    const pid = await pidIn(f);
    expect(await gone(pid)).toBe(true);
  });

  test("a setsid child, when the run is cancelled", async () => {
    const f = path.join(tempDir(), "pid");
    const controller = new AbortController();
    const run = runYaml(job(`${SETSID(f)} sleep 60`), {}, { signal: controller.signal });
    const pid = await pidIn(f);
    controller.abort(new Error("cancelled by the test"));
    await runError(run);
    expect(await gone(pid)).toBe(true);
  });

  test("a background child after the job completed: `sleep 32 & echo started`", async () => {
    const f = path.join(tempDir(), "pid");
    const r = await runYaml(job(`sleep 32 & echo $! > ${f}; echo started`, "  output: ${stdout}\n"));
    expect(r.output).toBe("started\n");
    expect(exists(await pidIn(f))).toBe(false);
  });

  test("a setsid child with its output elsewhere, after the job completed", async () => {
    const f = path.join(tempDir(), "pid");
    const r = await runYaml(job(`${SETSID(f)} ${AWAIT(f)} echo done`, "  output: ${stdout}\n"));
    expect(r.output).toBe("done\n");
    expect(exists(await pidIn(f))).toBe(false);
  });

  test("a double-forked daemon (orphaned, re-parented, in its own session)", async () => {
    const f = path.join(tempDir(), "pid");
    const r = await runYaml(job(`(${SETSID(f)}); ${AWAIT(f)} echo done`, "  output: ${stdout}\n"));
    expect(r.output).toBe("done\n");
    expect(exists(await pidIn(f))).toBe(false);
  });

  test("a child that ignores SIGTERM in its own session is killed after the grace period", async () => {
    const f = path.join(tempDir(), "pid");
    const command = `setsid sh -c 'trap "" TERM; echo $$ > ${f}; while :; do sleep 1; done' >/dev/null 2>&1 & ${AWAIT(f)}`;
    await runYaml(job(command, "  kill_grace: 200ms\n"));
    expect(exists(await pidIn(f))).toBe(false);
  });
});
