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

interface Latencies {
  count: number;
  p99: number;
  max: number;
  results: unknown[];
}

/**
 * Starts a controller, warms it up, then starts two 2.5 s burning runs and samples
 * `GET /health` every 20 ms until both are done (over 100 samples, so the p99 is not
 * simply the maximum).
 */
async function healthWhileBurning(threaded: boolean): Promise<Latencies> {
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
  const latencies: number[] = [];
  const sampling = (async () => {
    while (!done) {
      const t0 = performance.now();
      const reply = await request(`${project.url}/health`);
      latencies.push(performance.now() - t0);
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
  const results = finished.map((t) => t.output);
  await cleanup();
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    p99: latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)],
    max: latencies.at(-1)!,
    results,
  };
}

describe("health under CPU load", () => {
  afterAll(cleanup);

  test("threaded runs leave /health responsive; in-thread runs stall it", async () => {
    const threaded = await healthWhileBurning(true);
    const inThread = await healthWhileBurning(false);
    console.log(
      `health latency while burning: threaded p99 ${threaded.p99.toFixed(1)} ms, max ${threaded.max.toFixed(1)} ms ` +
        `(${threaded.count} samples); in-thread p99 ${inThread.p99.toFixed(1)} ms, max ${inThread.max.toFixed(1)} ms ` +
        `(${inThread.count} samples)`,
    );
    for (const r of [...threaded.results, ...inThread.results]) expect(r).toMatchObject({ burned_ms: 2500 });
    // 2.5 s of burning at 20 ms intervals: the threaded server answered all along.
    expect(threaded.count).toBeGreaterThan(20);
    expect(threaded.p99).toBeLessThan(50);
    expect(inThread.max).toBeGreaterThan(threaded.max);
  }, 120_000);

  test("in-thread: a run nobody waits for gets its 202 before its component starts computing", async () => {
    const project = makeProject({
      plugins: [path.join(FIXTURES, "burn-plugin.ts")],
      workflows: [{ id: "burn", jobs: [{ id: "spin", component: "burn", input: { ms: "${input.ms}" } }] }],
    });
    await upForeground(project);
    const t0 = performance.now();
    const reply = await startRun(project, { input: { ms: 3000 }, wait_for_completion: false });
    const answeredAfter = performance.now() - t0;
    expect(reply.status).toBe(202);
    const task = await waitForTask(project, reply.body.task_id);
    expect(task.status).toBe("completed");
    // Half the burn: generous, and still impossible had the burn run before the reply.
    expect(answeredAfter).toBeLessThan(1500);
  }, 60_000);
});
