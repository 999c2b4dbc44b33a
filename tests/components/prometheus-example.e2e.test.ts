/**
 * The Pushgateway examples through `bun cli.ts run`, against the real gateway
 * (PUSHGATEWAY_URL, default http://127.0.0.1:9091): examples/prometheus with the
 * prometheus-push component, and the user guide's original 14.5.5 form, which posts
 * exposition text with an http-client (`Content-Type: text/plain`, input `{body: ...}`).
 */
import { afterEach, beforeAll, expect, test } from "bun:test";
import * as path from "node:path";
import { cli, composeFile, repoRoot } from "./e2e.ts";

const GATEWAY = process.env.PUSHGATEWAY_URL ?? "http://127.0.0.1:9091";
const cleanup: string[] = [];

function uniqueJob(name: string): string {
  return `mc_e2e_${name}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
}

/** The sample lines of `job` in the gateway's /metrics, without push_* bookkeeping. */
async function samplesOf(job: string): Promise<string[]> {
  const text = await (await fetch(`${GATEWAY}/metrics`)).text();
  return text.split("\n").filter((l) => l.includes(`job="${job}"`) && !l.startsWith("push_"));
}

beforeAll(async () => {
  const ready = await fetch(`${GATEWAY}/-/ready`).catch(() => undefined);
  if (!ready?.ok) {
    throw new Error(
      `no Pushgateway answers at ${GATEWAY}; run scripts/ci/setup.sh or start prometheus-pushgateway`,
    );
  }
});

afterEach(async () => {
  for (const groupPath of cleanup.splice(0)) await fetch(`${GATEWAY}${groupPath}`, { method: "DELETE" });
});

test("examples/prometheus pushes the run's duration and counter", async () => {
  const job = uniqueJob("example");
  cleanup.push(`/metrics/job/${job}/workflow/monitored-workflow`);
  const run = await cli(["run", "-f", path.join(repoRoot, "examples/prometheus/model-compose.yml")], {
    PUSHGATEWAY_URL: GATEWAY,
    PUSHGATEWAY_JOB: job,
  });
  expect(run.stderr).not.toContain("error");
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual({ status: 200 });

  const lines = await samplesOf(job);
  const labels = `instance="",job="${job}",workflow="monitored-workflow"`;
  expect(lines).toContain(`workflow_execution_total{${labels}} 1`);
  const duration = lines.find((l) => l.startsWith(`workflow_execution_duration_seconds{${labels}} `));
  expect(duration).toBeDefined();
  const seconds = Number(duration!.split(" ")[1]);
  // The stand-in work sleeps 0.2 s.
  expect(seconds).toBeGreaterThanOrEqual(0.2);
  expect(seconds).toBeLessThan(30);
});

test("the guide's http-client form of 14.5.5 posts its body as-is to the gateway", async () => {
  const job = uniqueJob("guide");
  cleanup.push(`/metrics/job/${job}`);
  const file = composeFile(`
components:
  - id: my-component
    type: shell
    command: echo '{"duration":1.5}'
    output: \${stdout.trim() as json}

  - id: prometheus-push
    type: http-client
    base_url: \${env.PUSHGATEWAY_URL}
    path: /metrics/job/${job}
    method: POST
    headers:
      Content-Type: text/plain

workflows:
  - id: monitored-workflow
    jobs:
      - id: process
        component: my-component
        input: \${input}

      - id: push-metrics
        component: prometheus-push
        input:
          body: |
            workflow_execution_duration_seconds \${output.duration}
            workflow_execution_total 1
`);
  const run = await cli(["run", "-f", file], { PUSHGATEWAY_URL: GATEWAY });
  expect(run.code).toBe(0);
  expect(await samplesOf(job)).toEqual([
    `workflow_execution_duration_seconds{instance="",job="${job}"} 1.5`,
    `workflow_execution_total{instance="",job="${job}"} 1`,
  ]);
});
