// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * `controller.threaded: true`: results, errors and cancellation cross the worker-thread
 * boundary, and CPU-heavy runs (the `burn` plugin from fixtures/) leave the HTTP
 * server responsive, unlike the same runs in the server's own thread.
 */
import { afterAll, describe, expect, test } from "bun:test";
import * as path from "node:path";
import { describeApi } from "./api-cases.ts";
import { cleanup, FIXTURES, makeProject, request, startRun, upForeground, waitForTask } from "./helpers.ts";

describeApi("controller API (threaded runs)", true);

interface Sample {
  /** Epoch ms: when the request left and when its reply came back. */
  sent: number;
  received: number;
}

interface Burn {
  burned_ms: number;
  started_at: number;
  finished_at: number;
}

interface HealthWhileBurning {
  samples: Sample[];
  burns: Burn[];
}

/**
 * Starts a controller, warms it up, then starts two 2.5 s burning runs and samples
 * `GET /health` every 20 ms until both are done.
 */
async function healthWhileBurning(threaded: boolean): Promise<HealthWhileBurning> {
  const project = makeProject({
    controller: { threaded },
    plugins: [path.join(FIXTURES, "burn-plugin.ts")],
    workflows: [{ id: "burn", jobs: [{ id: "spin", component: "burn", input: { ms: "${input.ms}" } }] }],
  });
  await upForeground(project);
  // Warm-up: both workers exist and have loaded the project; the connection is open.
  await Promise.all([startRun(project, { input: { ms: 10 } }), startRun(project, { input: { ms: 10 } })]);
  for (let i = 0; i < 5; i++) await request(`${project.url}/health`);

  // Sampling starts before the runs are submitted, so a stall anywhere shows up.
  let done = false;
  const samples: Sample[] = [];
  const sampling = (async () => {
    while (!done) {
      const sent = Date.now();
      const reply = await request(`${project.url}/health`);
      samples.push({ sent, received: Date.now() });
      expect(reply.status).toBe(200);
      await Bun.sleep(20);
    }
  })();
  const runs = await Promise.all(
    [1, 2].map(() => startRun(project, { input: { ms: 2500 }, wait_for_completion: false })),
  );
  const finished = await Promise.all(
    runs.map((r) => waitForTask(project, r.body.task_id, ["completed", "failed"], 60_000)),
  );
  done = true;
  await sampling;
  await cleanup();
  return { samples, burns: finished.map((t) => t.output as Burn) };
}

/**
 * Health replies that prove the server answered while a burn was going on: the request
 * left after the burn began and its reply came back before the burn ended. A server
 * whose own thread burns cannot produce one (it reads the request only after the burn),
 * however loaded the machine is; that is what this counts, not how fast it answered.
 */
function answeredDuringBurns({ samples, burns }: HealthWhileBurning): number {
  return samples.filter((s) => burns.some((b) => s.sent > b.started_at && s.received < b.finished_at)).length;
}

function latencies({ samples }: HealthWhileBurning): string {
  const ms = samples.map((s) => s.received - s.sent).sort((a, b) => a - b);
  const p99 = ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.99) - 1)];
  return `p99 ${p99} ms, max ${ms.at(-1)} ms (${ms.length} samples)`;
}

describe("health under CPU load", () => {
  afterAll(cleanup);

  test("threaded runs leave /health responsive; in-thread runs stall it", async () => {
    const threaded = await healthWhileBurning(true);
    const inThread = await healthWhileBurning(false);
    // Latencies are for the reader (they depend on the machine's load); the test
    // asserts what cannot: whether the server answered during a burn at all.
    console.log(
      `health while burning: threaded ${latencies(threaded)}, ${answeredDuringBurns(threaded)} answered during the burns; in-thread ${latencies(inThread)}, ${answeredDuringBurns(inThread)} answered during the burns`,
    );
    for (const b of [...threaded.burns, ...inThread.burns]) expect(b).toMatchObject({ burned_ms: 2500 });
    // The two threaded burns overlapped: they ran at once, in two workers.
    const [a, b] = threaded.burns;
    expect(Math.max(a.started_at, b.started_at)).toBeLessThan(Math.min(a.finished_at, b.finished_at));
    // Sampling every 20 ms over 2.5 s: even on a busy machine the threaded server
    // answers many times while its workers burn; the in-thread one never does.
    expect(answeredDuringBurns(threaded)).toBeGreaterThanOrEqual(5);
    expect(answeredDuringBurns(inThread)).toBe(0);
  }, 120_000);

  test("in-thread: a run nobody waits for gets its 202 before its component starts computing", async () => {
    const project = makeProject({
      plugins: [path.join(FIXTURES, "burn-plugin.ts")],
      workflows: [{ id: "burn", jobs: [{ id: "spin", component: "burn", input: { ms: "${input.ms}" } }] }],
    });
    await upForeground(project);
    const reply = await startRun(project, { input: { ms: 3000 }, wait_for_completion: false });
    const answeredAt = Date.now();
    expect(reply.status).toBe(202);
    const task = await waitForTask(project, reply.body.task_id);
    expect(task.status).toBe("completed");
    // The reply came back before the burn ended: impossible had the server's thread
    // burned first, however slow the machine.
    expect(answeredAt).toBeLessThan((task.output as Burn).finished_at);
  }, 60_000);
});

describe("a worker thread that dies", () => {
  afterAll(cleanup);

  test("its runs fail saying so, and later runs go to a new thread", async () => {
    const project = makeProject({
      controller: { threaded: true },
      plugins: [path.join(FIXTURES, "crash-plugin.ts")],
      workflows: [
        { id: "crash", jobs: [{ id: "boom", component: "crash" }] },
        { id: "echo", jobs: [{ id: "say", component: "logger", input: "${input}" }] },
      ],
    });
    await upForeground(project);
    for (let round = 0; round < 2; round++) {
      const crashed = await startRun(project, { workflow_id: "crash" });
      expect(crashed.status).toBe(500);
      expect(crashed.body.status).toBe("failed");
      expect(crashed.body.error).toContain("the worker thread executing the run stopped");
      expect(crashed.body.error).toContain("the crash component ended its thread");
      const after = await startRun(project, { workflow_id: "echo", input: { round } });
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ status: "completed", output: { round } });
    }
    const health = await request(`${project.url}/health`);
    expect(health.status).toBe(200);
  }, 60_000);
});
