// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Failure and control: a failing job fails the run and names the job, jobs not yet
 * started never start, running siblings are cancelled (their processes are gone), and
 * per-job `timeout`, `retry` and `if:`; `context.run_id` is a ULID.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { CancelledError, RunError } from "../../runtime/errors.ts";
import { alive, project, runCli, runError, runYaml, tempDir, waitFor } from "./helpers.ts";

function readPid(file: string): number {
  return Number(readFileSync(file, "utf8").trim());
}

describe("a failing job", () => {
  test("fails the run and names the job", async () => {
    const error = await runError(
      runYaml(
        "workflow:\n  jobs:\n    - id: ok\n      component: shell\n      command: echo fine\n" +
          "    - id: broken\n      component: shell\n      command: echo oops >&2; exit 3\n",
      ),
    );
    expect(error).toBeInstanceOf(RunError);
    expect(error.message).toBe('job "broken" failed: command exited with code 3: oops');
    expect((error as RunError).details.jobId).toBe("broken");
  });

  test("through the CLI: exit code 1 and the error as JSON", async () => {
    const dir = project(
      "workflow:\n  jobs:\n    - id: broken\n      component: shell\n      command: exit 4\n",
    );
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ error: 'job "broken" failed: command exited with code 4' });
    // One line: the engine's own "run failed" entry stays off the console.
    expect(r.stderr).toBe('error: job "broken" failed: command exited with code 4\n');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  test("sequential: the jobs after it never start", async () => {
    const dir = tempDir();
    const marker = path.join(dir, "after");
    await runError(
      runYaml(
        `workflow:\n  jobs:\n    - id: a\n      component: shell\n      command: exit 1\n    - id: b\n      component: shell\n      command: touch ${marker}\n`,
      ),
    );
    await Bun.sleep(100);
    expect(existsSync(marker)).toBe(false);
  });

  test("graph: dependents never start; a running sibling is cancelled and its processes are gone", async () => {
    const dir = tempDir();
    const marker = path.join(dir, "dependent");
    const shPid = path.join(dir, "sh.pid");
    const childPid = path.join(dir, "child.pid");
    const yaml = `
workflow:
  jobs:
    - id: sibling
      component: shell
      command: echo $$ > ${shPid}; sleep 30 & echo $! > ${childPid}; wait
    - id: failing
      component: shell
      command: while [ ! -s ${childPid} ]; do sleep 0.02; done; exit 1
      depends_on: []
    - id: dependent
      component: shell
      command: touch ${marker}
      depends_on: [failing]
`;
    const dirOfProject = project(yaml);
    const { load } = await import("./helpers.ts");
    const p = await load(dirOfProject, { processEnv: { PATH: process.env.PATH } });
    const { runWorkflow } = await import("../../runtime/workflow/run-workflow.ts");
    const states: Record<string, string> = {};
    const t0 = performance.now();
    const error = await runError(
      runWorkflow(
        p,
        undefined,
        {},
        {
          onEvent: (e) => {
            if (e.type === "job.finished") states[e.job_id] = e.status;
          },
        },
      ),
    );
    const elapsed = performance.now() - t0;
    expect(error.message).toBe('job "failing" failed: command exited with code 1');
    // The sibling sleeps 30 s: a run that waited for it would take that long.
    expect(elapsed).toBeLessThan(15_000);
    expect(states).toEqual({ failing: "failed", sibling: "cancelled", dependent: "cancelled" });
    expect(await waitFor(() => !alive(readPid(shPid)) && !alive(readPid(childPid)), 3000)).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  test("cancelling the run (abort signal) kills its processes", async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, "pid");
    const controller = new AbortController();
    const run = runYaml(
      `workflow:\n  component: shell\n  command: sleep 30 & echo $! > ${pidFile}; wait\n`,
      {},
      { signal: controller.signal },
    );
    expect(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "")).toBe(
      true,
    );
    const t0 = performance.now();
    controller.abort();
    const error = await runError(run);
    expect(error).toBeInstanceOf(CancelledError);
    // Half the 30 s sleep: generous on a busy machine, impossible had it waited.
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(await waitFor(() => !alive(readPid(pidFile)), 3000)).toBe(true);
  });

  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    test(`${signal} on \`run\` cancels the run, kills its processes and exits ${code}`, async () => {
      const dir = tempDir();
      const pidFile = path.join(dir, "pid");
      const projectDir = project(
        `workflow:\n  component: shell\n  command: sleep 30 & echo $! > ${pidFile}; wait\n`,
      );
      const { cliPath, baseEnv, repoRoot } = await import("./helpers.ts");
      const proc = Bun.spawn(
        ["bun", "--no-env-file", cliPath, "-f", path.join(projectDir, "model-compose.yml"), "run"],
        {
          cwd: repoRoot,
          env: baseEnv(),
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      expect(
        await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", 5000),
      ).toBe(true);
      proc.kill(signal);
      expect(await proc.exited).toBe(code);
      const stdout = await new Response(proc.stdout).text();
      const stderr = await new Response(proc.stderr).text();
      expect(JSON.parse(stdout)).toEqual({ error: `interrupted by ${signal}; the run was cancelled` });
      expect(stderr).toBe(`error: interrupted by ${signal}; the run was cancelled\n`);
      expect(await waitFor(() => !alive(readPid(pidFile)), 3000)).toBe(true);
    });
  }
});

describe("per-job timeout", () => {
  test("a job that runs too long fails with a timeout error, quickly, and its process is gone", async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, "pid");
    const t0 = performance.now();
    const error = await runError(
      runYaml(
        `workflow:\n  jobs:\n    - id: slow\n      component: shell\n      command: echo $$ > ${pidFile}; exec sleep 30\n      timeout: 300ms\n`,
      ),
    );
    expect(error.message).toBe('job "slow" timed out after 300 ms');
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(await waitFor(() => !alive(readPid(pidFile)), 3000)).toBe(true);
  });

  test("a job that finishes in time is not affected", async () => {
    const r = await runYaml(
      "workflow:\n  jobs:\n    - id: quick\n      component: shell\n      command: echo done\n      output: ${stdout.trim()}\n      timeout: 5s\n",
    );
    expect(r.output).toBe("done");
  });

  test("the timeout applies to the job as a whole, retries included", async () => {
    const t0 = performance.now();
    const error = await runError(
      runYaml(
        "workflow:\n  jobs:\n    - id: flaky\n      component: shell\n      command: sleep 1; exit 1\n      timeout: 1500ms\n      retry: { max_attempts: 30 }\n",
      ),
    );
    expect(error.message).toBe('job "flaky" timed out after 1500 ms');
    // All 30 attempts would take 30 s.
    expect(performance.now() - t0).toBeLessThan(15_000);
  });
});

describe("retry", () => {
  /** Fails until the counter file reaches `succeedAt`. */
  const flaky = (counter: string, succeedAt: number, retry: string) => `
workflow:
  jobs:
    - id: flaky
      component: shell
      command: n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge ${succeedAt} ] && echo ok-$n
      output: \${stdout.trim()}
      retry: ${retry}
`;

  test("retries until an attempt succeeds", async () => {
    const counter = path.join(tempDir(), "count");
    const r = await runYaml(flaky(counter, 3, "{ max_attempts: 3 }"));
    expect(r.output).toBe("ok-3");
    expect(readFileSync(counter, "utf8").trim()).toBe("3");
    expect(r.jobs[0].attempts).toBe(3);
  });

  test("gives up after max_attempts and says so", async () => {
    const counter = path.join(tempDir(), "count");
    const error = await runError(runYaml(flaky(counter, 5, "{ max_attempts: 2 }")));
    expect(error.message).toBe('job "flaky" failed (after 2 attempts): command exited with code 1');
    expect(readFileSync(counter, "utf8").trim()).toBe("2");
  });

  test("each failed attempt is one warning line naming the job and the attempt once", async () => {
    const counter = path.join(tempDir(), "count");
    const dir = project(flaky(counter, 2, "{ max_attempts: 2 }"));
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"]);
    expect(r.code).toBe(0);
    const lines = r.stderr.split("\n").filter((line) => line.includes("retrying"));
    expect(lines).toHaveLength(1);
    expect(lines[0].match(/"job":/g)).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: "warn", job: "flaky", attempt: 1 });
  });

  test("waits `delay` between attempts", async () => {
    const counter = path.join(tempDir(), "count");
    const t0 = performance.now();
    await runYaml(flaky(counter, 3, "{ max_attempts: 3, delay: 200ms }"));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
  });

  test("a timeout that strikes during the delay between attempts is a timeout", async () => {
    const t0 = performance.now();
    const error = await runError(
      runYaml(
        "workflow:\n  jobs:\n    - id: flaky\n      component: shell\n      command: exit 1\n      timeout: 300ms\n      retry: { max_attempts: 5, delay: 1h }\n",
      ),
    );
    expect(error.message).toBe('job "flaky" timed out after 300 ms');
    // The delay before the second attempt is an hour.
    expect(performance.now() - t0).toBeLessThan(15_000);
  });

  test("an output: mapping that fails does not run the command again", async () => {
    const counter = path.join(tempDir(), "count");
    const error = await runError(
      runYaml(
        `workflow:\n  jobs:\n    - id: once\n      component: shell\n      command: echo x >> ${counter}; echo not-json\n      output: \${stdout as json}\n      retry: { max_attempts: 3 }\n`,
      ),
    );
    expect(error.message).toMatch(/^job "once": output \(at \/.+\/model-compose\.yml:6:15\): .*as json/);
    expect(readFileSync(counter, "utf8")).toBe("x\n");
  });

  test("a binding that fails at run time names the key and where it is written", async () => {
    const dir = project(
      "workflow:\n  jobs:\n    - id: convert\n      component: logger\n      input:\n        n: ${input.n as number}\n",
    );
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run", "-i", '{"n": "abc"}']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      error: `job "convert": input.n (at ${path.join(dir, "model-compose.yml")}:6:12): \`input.n\` as number: cannot convert the string "abc" to number at column 1 in \${input.n as number}`,
    });
  });

  test("a binding in the command that cannot be rendered is not retried", async () => {
    const t0 = performance.now();
    const error = await runError(
      runYaml(
        `workflow:\n  jobs:\n    - id: once\n      component: shell\n      command: echo \${input.missing.deep}\n      retry: { max_attempts: 3, delay: 1h }\n`,
      ),
    );
    expect(error.message).toMatch(/^job "once": command: the value is missing/);
    // Retried, it would have waited an hour before the next attempt.
    expect(performance.now() - t0).toBeLessThan(15_000);
  });

  test("without retry, a job runs once", async () => {
    const counter = path.join(tempDir(), "count");
    await runError(runYaml(flaky(counter, 2, "{}")));
    expect(readFileSync(counter, "utf8").trim()).toBe("1");
  });
});

describe("if:", () => {
  const yaml = (marker: string) => `
workflow:
  jobs:
    - id: maybe
      component: shell
      command: touch ${marker}; echo ran
      output: \${stdout.trim()}
      if: \${input.go}
    - id: after
      component: logger
      input:
        previous: \${output}
        maybe: \${jobs.maybe.output | "skipped"}
`;

  test("a false condition skips the job; later jobs still run", async () => {
    const marker = path.join(tempDir(), "marker");
    const r = await runYaml(yaml(marker), { go: false });
    expect(existsSync(marker)).toBe(false);
    expect(r.output).toEqual({ previous: null, maybe: "skipped" });
    expect(r.jobs.map((j) => j.status)).toEqual(["skipped", "completed"]);
  });

  test("a true condition runs it", async () => {
    const marker = path.join(tempDir(), "marker");
    const r = await runYaml(yaml(marker), { go: true });
    expect(existsSync(marker)).toBe(true);
    expect(r.output).toEqual({ previous: "ran", maybe: "ran" });
  });

  for (const [value, runs] of [
    ["false", false],
    ["0", false],
    ["", false],
    [0, false],
    [null, false],
    ["yes", true],
    [1, true],
  ] as const) {
    test(`if: ${JSON.stringify(value)} ${runs ? "runs" : "skips"}`, async () => {
      const marker = path.join(tempDir(), "marker");
      await runYaml(yaml(marker), { go: value });
      expect(existsSync(marker)).toBe(runs);
    });
  }

  test("if: ${!env.X} runs exactly when if: ${env.X} skips, for text that reads as no", async () => {
    const y = (condition: string) =>
      `workflow:\n  jobs:\n    - id: a\n      component: logger\n      input: ran\n      if: \${${condition}}\n`;
    for (const [text, positive] of [
      ["false", "skipped"],
      ["No", "skipped"],
      ["0", "skipped"],
      ["true", "completed"],
      ["1", "completed"],
    ] as const) {
      const env = { DRY_RUN: text };
      const plain = (await runYaml(y("env.DRY_RUN"), {}, { env })).jobs[0].status;
      const negated = (await runYaml(y("!env.DRY_RUN"), {}, { env })).jobs[0].status;
      expect([text, plain]).toEqual([text, positive]);
      expect([text, negated]).toEqual([text, positive === "skipped" ? "completed" : "skipped"]);
    }
  });

  test('expressions: if: ${input.n > 1 && input.mode == "fast"}', async () => {
    const y = `workflow:\n  jobs:\n    - id: a\n      component: logger\n      input: ran\n      if: \${input.n > 1 && input.mode == "fast"}\n`;
    expect((await runYaml(y, { n: 2, mode: "fast" })).jobs[0].status).toBe("completed");
    expect((await runYaml(y, { n: 2, mode: "slow" })).jobs[0].status).toBe("skipped");
    expect((await runYaml(y, { n: 1, mode: "fast" })).jobs[0].status).toBe("skipped");
  });
});

describe("context", () => {
  test("run_id is a ULID (26 chars of Crockford base32), shared by the run; workflow_id, job_id, started_at", async () => {
    const r = await runYaml(`
workflows:
  - id: ctx
    jobs:
      - id: first
        component: logger
        input: { run: "\${context.run_id}", job: "\${context.job_id}", workflow: "\${context.workflow_id}", at: "\${context.started_at}" }
      - id: second
        component: shell
        command: echo \${context.run_id} \${context.job_id}
        output:
          previous: \${jobs.first.output}
          shell: \${stdout.trim()}
`);
    const out = r.output as { previous: Record<string, string>; shell: string };
    expect(out.previous.run).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(out.previous.run).toBe(r.runId);
    expect(out.previous.job).toBe("first");
    expect(out.previous.workflow).toBe("ctx");
    expect(Number.isNaN(Date.parse(out.previous.at))).toBe(false);
    expect(out.shell).toBe(`${r.runId} second`);
  });

  test("each run gets its own run_id", async () => {
    const dir = project("workflow:\n  component: logger\n  input: ${context.run_id}\n");
    const a = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"]);
    const b = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"]);
    expect(JSON.parse(a.stdout)).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(JSON.parse(a.stdout)).not.toBe(JSON.parse(b.stdout));
  });
});
