/**
 * `GET /metrics`: valid Prometheus text exposition (checked line by line with a strict
 * parser), and counters that match the runs the test made.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseExposition, sampleValue } from "./exposition.ts";
import {
  cleanup,
  makeProject,
  request,
  startRun,
  type TestProject,
  upForeground,
  waitForTask,
} from "./helpers.ts";

describe("the exposition parser", () => {
  const ok = '# HELP a_total Things\n# TYPE a_total counter\na_total{x="1",y="a\\"b"} 3\n';

  test("accepts valid text", () => {
    expect(sampleValue(parseExposition(ok), "a_total", { y: 'a"b' })).toBe(3);
  });

  test.each([
    ["a sample without TYPE", "b 1\n"],
    ["a bad label", "# TYPE a gauge\na{x=1} 2\n"],
    ["a bad value", "# TYPE a gauge\na 1,5\n"],
    ["an unterminated label", '# TYPE a gauge\na{x="1} 2\n'],
    ["a bad escape", '# TYPE a gauge\na{x="\\t"} 2\n'],
    ["an unknown type", "# TYPE a meter\n"],
    ["a second TYPE", "# TYPE a gauge\n# TYPE a gauge\n"],
    ["a histogram without +Inf", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    [
      "a non-cumulative histogram",
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n',
    ],
  ])("rejects %s", (_what, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});

describe("GET /metrics", () => {
  let project: TestProject;

  beforeAll(async () => {
    project = makeProject({
      components: [
        { id: "echo", type: "shell", command: "echo ok" },
        { id: "fail", type: "shell", command: "exit 4" },
        { id: "nap", type: "shell", command: "sleep 30" },
      ],
      workflows: [
        {
          id: "good",
          jobs: [
            { id: "one", component: "echo" },
            { id: "two", component: "echo" },
          ],
        },
        { id: "bad", jobs: [{ id: "only", component: "fail" }] },
        { id: "long", jobs: [{ id: "nap", component: "nap" }] },
      ],
    });
    await upForeground(project);

    for (let i = 0; i < 3; i++)
      expect((await startRun(project, { workflow_id: "good" })).body.status).toBe("completed");
    for (let i = 0; i < 2; i++)
      expect((await startRun(project, { workflow_id: "bad" })).body.status).toBe("failed");
    const long = await startRun(project, { workflow_id: "long", wait_for_completion: false });
    await waitForTask(project, long.body.task_id, ["running"]);
    await request(`${project.api}/tasks/${long.body.task_id}/cancel`, { method: "POST" });
    expect((await waitForTask(project, long.body.task_id)).status).toBe("cancelled");
  });
  afterAll(cleanup);

  async function scrape() {
    const reply = await request(`${project.url}/metrics`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toStartWith("text/plain");
    // NaN as the text format spells it (prom-client's own spelling is `Nan`).
    expect(reply.body).not.toMatch(/ Nan$/m);
    return parseExposition(reply.body);
  }

  test("is valid exposition text, with process metrics", async () => {
    const families = await scrape();
    expect(families.get("model_compose_process_cpu_seconds_total")?.type).toBe("counter");
    expect(sampleValue(families, "model_compose_process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  test("counts runs started and finished by workflow and status", async () => {
    const m = await scrape();
    const started = (workflow: string) => sampleValue(m, "model_compose_runs_started_total", { workflow });
    const finished = (workflow: string, status: string) =>
      sampleValue(m, "model_compose_runs_finished_total", { workflow, status });
    expect([started("good"), started("bad"), started("long")]).toEqual([3, 2, 1]);
    expect(finished("good", "completed")).toBe(3);
    expect(finished("bad", "failed")).toBe(2);
    expect(finished("long", "cancelled")).toBe(1);
    expect(finished("good", "failed")).toBeUndefined();
    expect(sampleValue(m, "model_compose_runs_in_flight")).toBe(0);
    expect(sampleValue(m, "model_compose_runs_waiting")).toBe(0);
  });

  test("run and job duration histograms count every run and job", async () => {
    const m = await scrape();
    expect(
      sampleValue(m, "model_compose_run_duration_seconds_count", { workflow: "good", status: "completed" }),
    ).toBe(3);
    expect(
      sampleValue(m, "model_compose_run_duration_seconds_count", { workflow: "bad", status: "failed" }),
    ).toBe(2);
    expect(
      sampleValue(m, "model_compose_run_duration_seconds_count", { workflow: "long", status: "cancelled" }),
    ).toBe(1);
    expect(
      sampleValue(m, "model_compose_job_duration_seconds_count", {
        workflow: "good",
        job: "two",
        status: "completed",
      }),
    ).toBe(3);
    expect(
      sampleValue(m, "model_compose_job_duration_seconds_count", {
        workflow: "bad",
        job: "only",
        status: "failed",
      }),
    ).toBe(2);
  });

  test("counts component calls and errors (a cancelled call is not an error)", async () => {
    const m = await scrape();
    const calls = (component: string) =>
      sampleValue(m, "model_compose_component_calls_total", { component, type: "shell" });
    const errors = (component: string) =>
      sampleValue(m, "model_compose_component_errors_total", { component, type: "shell" });
    expect([calls("echo"), calls("fail"), calls("nap")]).toEqual([6, 2, 1]);
    expect(errors("fail")).toBe(2);
    expect(errors("echo")).toBeUndefined();
    expect(errors("nap")).toBeUndefined();
  });
});
