/**
 * prometheus-push against a real Pushgateway (PUSHGATEWAY_URL, default
 * http://127.0.0.1:9091; scripts/ci/setup.sh starts one): what a push leaves in the
 * gateway's /metrics, POST/PUT/DELETE semantics, and the errors. A local Bun.serve
 * server stands in only to see exactly what is sent (or that nothing is).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import plugin, { CONTENT_TYPE } from "../../plugins/components/prometheus-push/index.ts";
import { errorOf, runComponent } from "./helpers.ts";

const GATEWAY = process.env.PUSHGATEWAY_URL ?? "http://127.0.0.1:9091";
const RUN = `mc_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
const pushedJobs = new Set<string>();
/** Metric names are per run too: the gateway rejects a name pushed with another type elsewhere. */
const M = RUN;
let counter = 0;

/** A job name no other test (or earlier run) uses. */
function uniqueJob(name: string): string {
  const job = `${RUN}_${name}_${++counter}`;
  pushedJobs.add(job);
  return job;
}

interface Series {
  name: string;
  labels: Record<string, string>;
  value: string;
  line: string;
}

/** The gateway's /metrics, as lines. */
async function scrape(): Promise<string[]> {
  const res = await fetch(`${GATEWAY}/metrics`);
  expect(res.status).toBe(200);
  return (await res.text()).split("\n");
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const [, name, raw] of text.matchAll(re)) {
    labels[name] = raw.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

/** The series of `job` (push_time_seconds and push_failure_time_seconds left out). */
async function seriesOf(job: string): Promise<Series[]> {
  const out: Series[] = [];
  for (const line of await scrape()) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = parseLabels(m[2] ?? "");
    if (labels.job !== job || m[1].startsWith("push_")) continue;
    out.push({ name: m[1], labels, value: m[3], line });
  }
  return out;
}

function push(config: Record<string, unknown>, input: unknown) {
  return runComponent(plugin, { url: GATEWAY, ...config }, input);
}

beforeAll(async () => {
  const ready = await fetch(`${GATEWAY}/-/ready`).catch(() => undefined);
  if (!ready?.ok) {
    throw new Error(
      `no Pushgateway answers at ${GATEWAY}; run scripts/ci/setup.sh or start prometheus-pushgateway`,
    );
  }
});

afterAll(async () => {
  // Each test's groups are removed, whatever grouping labels they used.
  const groups = new Map<string, Record<string, string>>();
  for (const line of await scrape()) {
    const m = /^push_time_seconds\{(.*)\} /.exec(line);
    if (!m) continue;
    const labels = parseLabels(m[1]);
    if (labels.job && pushedJobs.has(labels.job)) groups.set(m[1], labels);
  }
  for (const labels of groups.values()) {
    const { job, ...grouping } = labels;
    // The gateway shows instance="" on groups that have no instance label.
    if (grouping.instance === "") delete grouping.instance;
    await runComponent(plugin, { url: GATEWAY, job, grouping, method: "DELETE" }, undefined);
  }
});

describe("pushing to the gateway", () => {
  test("metrics with help, type, labels and grouping labels appear in /metrics", async () => {
    const job = uniqueJob("basic");
    const result = await push(
      { job, grouping: { instance: "worker-1", env: "test" } },
      {
        metrics: {
          [`${M}_workflow_execution_total`]: { value: 1, type: "counter", help: "Workflow runs" },
          [`${M}_workflow_execution_duration_seconds`]: {
            value: 1.25,
            type: "gauge",
            help: 'Run time, with "quotes" and a \\ backslash',
            labels: { workflow: "monitored-workflow" },
          },
          [`${M}_plain_number`]: 42,
        },
      },
    );
    expect(result.output).toEqual({ status: 200 });
    expect(result.variables.status).toBe(200);

    const lines = await scrape();
    expect(lines).toContain(`# HELP ${M}_workflow_execution_total Workflow runs`);
    expect(lines).toContain(`# TYPE ${M}_workflow_execution_total counter`);
    expect(lines).toContain(`# TYPE ${M}_workflow_execution_duration_seconds gauge`);
    expect(lines).toContain(
      `# HELP ${M}_workflow_execution_duration_seconds Run time, with "quotes" and a \\\\ backslash`,
    );
    const series = await seriesOf(job);
    const byName = Object.fromEntries(series.map((s) => [s.name, s]));
    expect(byName[`${M}_workflow_execution_total`].labels).toEqual({
      job,
      instance: "worker-1",
      env: "test",
    });
    expect(byName[`${M}_workflow_execution_total`].value).toBe("1");
    expect(byName[`${M}_workflow_execution_duration_seconds`].labels).toEqual({
      job,
      instance: "worker-1",
      env: "test",
      workflow: "monitored-workflow",
    });
    expect(byName[`${M}_workflow_execution_duration_seconds`].value).toBe("1.25");
    expect(byName[`${M}_plain_number`].value).toBe("42");
  });

  test("grouping values and job names with / or empty go through the base64 form", async () => {
    const job = uniqueJob("slash/job");
    await push(
      { job, grouping: { path: "/api/v1/chat", empty: "" } },
      { metrics: { [`${M}_slash_metric`]: 7 } },
    );
    const series = await seriesOf(job);
    expect(series).toHaveLength(1);
    expect(series[0].labels.job).toBe(job);
    expect(series[0].labels.path).toBe("/api/v1/chat");
    expect(series[0].labels.empty ?? "").toBe("");
    expect(series[0].value).toBe("7");
  });

  test("special values and escaped label values survive the round trip", async () => {
    const job = uniqueJob("special");
    const tricky = 'a "quoted" C:\\path\nsecond line';
    await push(
      { job },
      {
        metrics: {
          [`${M}_special_value`]: [
            { value: "NaN", labels: { kind: "nan" } },
            { value: Number.POSITIVE_INFINITY, labels: { kind: "inf" } },
            { value: "-Inf", labels: { kind: "minus_inf" } },
            { value: -0.5, labels: { kind: tricky } },
          ],
        },
      },
    );
    const series = await seriesOf(job);
    const byKind = Object.fromEntries(series.map((s) => [s.labels.kind, s.value]));
    expect(byKind).toEqual({ nan: "NaN", inf: "+Inf", minus_inf: "-Inf", [tricky]: "-0.5" });
  });

  test("POST merges into the group: metrics pushed before stay", async () => {
    const job = uniqueJob("post");
    await push({ job }, { metrics: { [`${M}_first_metric`]: 1 } });
    await push({ job, method: "POST" }, { metrics: { [`${M}_second_metric`]: 2 } });
    const names = (await seriesOf(job)).map((s) => s.name).sort();
    expect(names).toEqual([`${M}_first_metric`, `${M}_second_metric`]);
  });

  test("PUT replaces the group: a metric pushed before is gone", async () => {
    const job = uniqueJob("put");
    await push(
      { job, grouping: { shard: "1" } },
      { metrics: { [`${M}_first_metric`]: 1, [`${M}_shared_metric`]: 1 } },
    );
    await push({ job, grouping: { shard: "1" }, method: "PUT" }, { metrics: { [`${M}_shared_metric`]: 5 } });
    const series = await seriesOf(job);
    expect(series.map((s) => `${s.name}=${s.value}`)).toEqual([`${M}_shared_metric=5`]);
  });

  test("DELETE removes the group", async () => {
    const job = uniqueJob("delete");
    await push({ job, grouping: { instance: "x" } }, { metrics: { [`${M}_doomed_metric`]: 1 } });
    expect(await seriesOf(job)).toHaveLength(1);
    const result = await push({ job, grouping: { instance: "x" }, method: "DELETE" }, undefined);
    expect(result.variables.status).toBe(202);
    expect(await seriesOf(job)).toHaveLength(0);
  });

  test("a raw body in the exposition format is sent as-is (a missing final newline is added)", async () => {
    const job = uniqueJob("raw");
    await push({ job }, { body: `# TYPE ${M}_raw_metric gauge\n${M}_raw_metric{source="raw"} 42` });
    const series = await seriesOf(job);
    expect(series.map((s) => s.line)).toEqual([`${M}_raw_metric{instance="",job="${job}",source="raw"} 42`]);

    await push({ job, method: "PUT" }, `${M}_string_input_metric 3\n`);
    expect((await seriesOf(job)).map((s) => s.name)).toEqual([`${M}_string_input_metric`]);
  });

  test("a body the gateway rejects fails with its status and message", async () => {
    const job = uniqueJob("rejected");
    const message = await errorOf(push({ job }, { body: "not a valid line at all\n" }));
    expect(message).toStartWith(
      `Pushgateway push failed: HTTP 400 Bad Request from POST ${GATEWAY}/metrics/job/${job}: text format parsing error`,
    );
  });

  test("an unreachable gateway is a clear error", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const message = await errorOf(runComponent(plugin, { url, job: "j" }, { metrics: { m: 1 } }));
    expect(message).toStartWith(`cannot reach POST ${url}/metrics/job/j: `);
  });
});

describe("what is sent", () => {
  const requests: { method: string; path: string; contentType: string | null; body: string }[] = [];
  let server: ReturnType<typeof Bun.serve>;
  let url: string;

  beforeAll(() => {
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        requests.push({
          method: req.method,
          path: new URL(req.url).pathname,
          contentType: req.headers.get("content-type"),
          body: await req.text(),
        });
        return new Response(null, { status: req.method === "DELETE" ? 202 : 200 });
      },
    });
    url = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.stop(true));

  test("POST sends the exposition text with the 0.0.4 Content-Type", async () => {
    await runComponent(plugin, { url, job: "j", grouping: { a: "b" } }, { metrics: { m: 1 } });
    expect(requests.at(-1)).toEqual({
      method: "POST",
      path: "/metrics/job/j/a/b",
      contentType: CONTENT_TYPE,
      body: "# TYPE m untyped\nm 1\n",
    });
  });

  test("DELETE sends no body and ignores the input", async () => {
    await runComponent(plugin, { url, job: "j", method: "DELETE" }, { metrics: { m: 1 } });
    expect(requests.at(-1)).toEqual({
      method: "DELETE",
      path: "/metrics/job/j",
      contentType: null,
      body: "",
    });
  });

  test.each([
    [{ metrics: { "bad-metric": 1 } }, 'invalid metric name "bad-metric"'],
    [
      { metrics: { good: { value: 1, labels: { "bad.label": "x" } } } },
      'metric good: invalid label name "bad.label"',
    ],
    [{ metrics: { good: { value: 1, labels: { __x: "x" } } } }, 'metric good: invalid label name "__x"'],
  ])("invalid names fail before any request: %j", async (input, message) => {
    const before = requests.length;
    expect(await errorOf(runComponent(plugin, { url, job: "j" }, input))).toStartWith(message);
    expect(requests.length).toBe(before);
  });
});
