// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The native runtime's lifecycle through the real CLI: `up -d` and `down`, the state
 * files, refusing a second `up`, graceful shutdown on SIGTERM (drain, grace period,
 * cancel), stale files from a crash, and a start-up that fails.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  cleanup,
  isAlive,
  makeProject,
  request,
  runCli,
  startRun,
  type TestProject,
  upForeground,
  waitFor,
} from "./helpers.ts";

afterEach(cleanup);

function hiProject(extra: Record<string, unknown> = {}): TestProject {
  return makeProject({
    ...extra,
    workflows: [
      { id: "hi", jobs: [{ id: "say", component: "shell", command: "printf hi", output: "${stdout}" }] },
    ],
  });
}

/** A project whose `slow` workflow writes `<dir>/started` and then sleeps `seconds`. */
function slowProject(seconds: number, controller: Record<string, unknown> = {}): TestProject {
  return makeProject((dir) => ({
    controller,
    workflows: [
      {
        id: "slow",
        jobs: [
          {
            id: "nap",
            component: "shell",
            command: `sleep ${seconds} & echo $! > ${JSON.stringify(path.join(dir, "started"))}; wait; printf rested`,
            output: "${stdout}",
          },
        ],
      },
    ],
  }));
}

const stateFile = (p: TestProject) => path.join(p.dir, ".model-compose", "controller.json");
const readState = (p: TestProject) => JSON.parse(readFileSync(stateFile(p), "utf8"));

/** The pid the run's job wrote once it started. */
function jobStarted(p: TestProject): Promise<number> {
  const file = path.join(p.dir, "started");
  return waitFor("the job to start", () => {
    const pid = existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : 0;
    return pid > 0 ? pid : undefined;
  });
}

describe("up -d and down", () => {
  test("up -d returns once healthy with pid, url and log; down stops it and removes the state", async () => {
    const project = hiProject();
    const up = await runCli(project, ["up", "-d"]);
    expect(up.code).toBe(0);
    const m = /controller started \(pid (\d+)\) at (\S+); logs: (\S+)/.exec(up.stdout);
    expect(m).not.toBeNull();
    const [, pidText, url, log] = m!;
    const pid = Number(pidText);
    expect(url).toBe(`${project.api}`);
    expect(log).toBe(path.join(project.dir, ".model-compose", "controller.log"));
    // Healthy by the time `up -d` returned: no waiting here.
    expect((await request(`${project.url}/health`)).status).toBe(200);
    expect(readState(project)).toMatchObject({
      pid,
      host: "127.0.0.1",
      port: project.port,
      base_path: "/api",
    });
    expect(isAlive(pid)).toBe(true);
    expect((await startRun(project, { input: {} })).body.output).toBe("hi");
    expect(readFileSync(log, "utf8")).toContain("controller listening");

    const down = await runCli(project, ["down"]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`controller stopped (pid ${pid})`);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(stateFile(project))).toBe(false);
    expect(existsSync(path.join(project.dir, ".stop"))).toBe(false);
    expect(readFileSync(log, "utf8")).toContain('"reason":"stop file"');
    expect(await fetch(`${project.url}/health`).catch(() => "refused")).toBe("refused");

    const again = await runCli(project, ["down"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("no controller is running");
  }, 60_000);

  test("a second up, foreground or -d, is refused with exit code 2 while one runs", async () => {
    const project = hiProject();
    expect((await runCli(project, ["up", "-d"])).code).toBe(0);
    const { pid } = readState(project);
    for (const args of [["up"], ["up", "-d"]]) {
      const second = await runCli(project, args);
      expect({ args, code: second.code }).toEqual({ args, code: 2 });
      expect(second.stderr).toContain("already running");
      expect(second.stderr).toContain(`pid ${pid}`);
      expect(second.stderr).toContain("model-compose down");
    }
    // The first one is untouched.
    expect(readState(project).pid).toBe(pid);
    expect((await request(`${project.url}/health`)).status).toBe(200);
    expect((await runCli(project, ["down"])).code).toBe(0);
  }, 60_000);

  test("up -d --force-recreate stops the running controller and starts a new one", async () => {
    const project = hiProject();
    expect((await runCli(project, ["up", "-d"])).code).toBe(0);
    const { pid } = readState(project);
    const forced = await runCli(project, ["up", "-d", "--force-recreate"]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`controller stopped (pid ${pid})`);
    const next = readState(project).pid;
    expect(next).not.toBe(pid);
    expect(isAlive(pid)).toBe(false);
    expect(forced.stdout).toContain(`controller started (pid ${next})`);
    expect((await startRun(project, { input: {} })).body.output).toBe("hi");
    expect((await runCli(project, ["down"])).code).toBe(0);
  }, 60_000);

  test("a stale controller.json (dead pid) and a stale .stop do not block up", async () => {
    const project = hiProject();
    const dead = Bun.spawn(["true"]);
    await dead.exited;
    mkdirSync(path.join(project.dir, ".model-compose"), { recursive: true });
    writeFileSync(
      stateFile(project),
      JSON.stringify({
        pid: dead.pid,
        host: "127.0.0.1",
        port: 1,
        base_path: "/api",
        started_at: "2020-01-01T00:00:00Z",
      }),
    );
    writeFileSync(path.join(project.dir, ".stop"), "left by a crash\n");

    const up = await runCli(project, ["up", "-d"]);
    expect(up.code).toBe(0);
    const { pid } = readState(project);
    expect(pid).not.toBe(dead.pid);
    // It polls .stop every second: still up after two polls means the stale one was cleared.
    await Bun.sleep(2500);
    expect(isAlive(pid)).toBe(true);
    expect((await request(`${project.url}/health`)).status).toBe(200);
    expect((await runCli(project, ["down"])).code).toBe(0);
    expect(isAlive(pid)).toBe(false);
  }, 60_000);

  test("up -d with a port already in use fails and prints the log's tail", async () => {
    const blocker = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Response("not model-compose"),
    });
    try {
      const project = hiProject({ controller: { port: blocker.port } });
      const up = await runCli(project, ["up", "-d"]);
      expect(up.code).toBe(2);
      expect(up.stderr).toContain("exited during start-up");
      expect(up.stderr).toContain("controller.log");
      expect(up.stderr).toContain(`${blocker.port}`);
      expect(up.stderr).toContain("already in use");
      expect(existsSync(stateFile(project))).toBe(false);
      // And the foreground form says the same, with the configuration exit code.
      const fg = await runCli(project, ["up"]);
      expect(fg.code).toBe(2);
      expect(fg.stderr).toContain("already in use");
    } finally {
      blocker.stop(true);
    }
  }, 60_000);

  test("up -d with a port in use exits 2 every time, also on a busy machine", async () => {
    // On a busy machine the child can be reaped before its exit event is handled; the
    // exit code must still be read, not guessed (it said "exit code ?" and exited 1).
    const blocker = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("busy") });
    const hogs = [1, 2, 3].map(() => Bun.spawn(["sh", "-c", "while :; do :; done"]));
    try {
      const project = hiProject({ controller: { port: blocker.port } });
      const codes: string[] = [];
      for (let i = 0; i < 12; i++) {
        const up = await runCli(project, ["up", "-d"]);
        codes.push(up.code === 2 ? "2" : `${up.code}: ${up.stderr.split("\n")[0]}`);
      }
      expect(codes).toEqual(Array(12).fill("2"));
    } finally {
      for (const hog of hogs) hog.kill("SIGKILL");
      blocker.stop(true);
    }
  }, 120_000);
});

describe("graceful shutdown of a foreground up", () => {
  test("SIGTERM: health 503 and new runs 503 while draining; the running run completes; exit 0", async () => {
    const project = slowProject(3);
    const up = await upForeground(project);
    const waiting = startRun(project, { input: {} });
    await jobStarted(project);
    up.proc.kill("SIGTERM");

    const health = await waitFor("health to turn 503", async () => {
      const reply = await request(`${project.url}/health`);
      return reply.status === 503 ? reply : undefined;
    });
    expect(health.body).toEqual({ status: "shutting_down", instance_id: expect.any(String) });
    expect((await request(`${project.api}/health`)).status).toBe(503);
    const refused = await startRun(project, { input: {} });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toContain("shutting down");

    const reply = await waiting;
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: "completed", output: "rested" });
    expect(await up.proc.exited).toBe(0);
    expect(up.log()).toContain("controller stopped");
    expect(existsSync(stateFile(project))).toBe(false);
  }, 60_000);

  for (const threaded of [false, true]) {
    test(`SIGTERM with a short grace period (threaded: ${threaded}): the long run is cancelled and its process killed; exit 0`, async () => {
      const project = slowProject(60, { shutdown_grace_period: "1s", threaded });
      const up = await upForeground(project);
      const waiting = startRun(project, { input: {} });
      const jobPid = await jobStarted(project);
      const t0 = performance.now();
      up.proc.kill("SIGTERM");

      const reply = await waiting;
      expect(reply.status).toBe(409);
      expect(reply.body).toMatchObject({ status: "cancelled" });
      expect(reply.body.error).toContain("shutting down");
      expect(await up.proc.exited).toBe(0);
      // Well before the run's own 60 s.
      expect(performance.now() - t0).toBeLessThan(30_000);
      await waitFor("the job's process to exit", () => !isAlive(jobPid), 10_000);
      expect(up.log()).toContain("grace period over");
    }, 90_000);
  }

  test("a second SIGINT stops waiting for runs: cancelled at once, exit 0", async () => {
    const project = slowProject(60, { shutdown_grace_period: "5m" });
    const up = await upForeground(project);
    const waiting = startRun(project, { input: {} });
    const jobPid = await jobStarted(project);
    up.proc.kill("SIGINT");
    await waitFor("health to turn 503", async () => (await request(`${project.url}/health`)).status === 503);
    up.proc.kill("SIGINT");

    const reply = await waiting;
    expect(reply.status).toBe(409);
    expect(reply.body.status).toBe("cancelled");
    expect(reply.body.error).toContain("second SIGINT");
    expect(await up.proc.exited).toBe(0);
    await waitFor("the job's process to exit", () => !isAlive(jobPid), 10_000);
  }, 60_000);

  test("SIGINT with no runs: exit 0 and the state files are removed", async () => {
    const project = hiProject();
    const up = await upForeground(project);
    expect(readState(project).pid).toBe(up.proc.pid);
    up.proc.kill("SIGINT");
    expect(await up.proc.exited).toBe(0);
    expect(existsSync(stateFile(project))).toBe(false);
  }, 60_000);

  for (const threaded of [false, true]) {
    test(`after its runs are done, a stopped controller exits at once (threaded: ${threaded})`, async () => {
      const project = hiProject({ controller: { threaded } });
      const up = await upForeground(project);
      for (let i = 0; i < 3; i++) expect((await startRun(project, { input: {} })).status).toBe(200);
      const t0 = performance.now();
      up.proc.kill("SIGTERM");
      expect(await up.proc.exited).toBe(0);
      // Its shutdown takes milliseconds; a wait left pending once held it for 10 s.
      expect(performance.now() - t0).toBeLessThan(7000);
    }, 60_000);
  }
});
