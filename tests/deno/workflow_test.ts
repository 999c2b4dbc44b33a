// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Under Deno: the shell component keeps substituted values as data, the logger passes
 * its input on, jobs run in order or as a graph, and a failing job cancels the run.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { CancelledError, RunError } from "model-compose";
import { alive, rejection, runYaml, sleep, tempDir, test, waitFor } from "./helpers.ts";

const PAYLOADS = [
  '"; touch PWNED; echo "',
  "'; touch PWNED; echo '",
  "$(touch PWNED)",
  "`touch PWNED`",
  "a; touch PWNED",
  "x && touch PWNED || touch PWNED",
  "$HOME * ?",
  "line1\nline2; touch PWNED",
];

test("shell: injection payloads stay data, unquoted, in double and in single quotes", async () => {
  const dir = tempDir();
  const yaml = `
workflow:
  jobs:
    - id: plain
      component: shell
      working_dir: ${dir}
      command: printf '%s|' \${input.v}
      output: \${stdout}
    - id: dq
      component: shell
      working_dir: ${dir}
      command: printf '%s|' "v=\${input.v}"
      output: \${stdout}
    - id: sq
      component: shell
      working_dir: ${dir}
      command: printf '%s|' 'v=\${input.v}'
      output: \${stdout}
      input: \${input}
  output:
    plain: \${jobs.plain.output}
    dq: \${jobs.dq.output}
    sq: \${jobs.sq.output}
`;
  for (const v of PAYLOADS) {
    const { output } = await runYaml(yaml, { v });
    assert.deepEqual(
      output,
      { plain: `${v}|`, dq: `v=${v}|`, sq: `v=${v}|` },
      `payload ${JSON.stringify(v)}`,
    );
    assert.equal(existsSync(path.join(dir, "PWNED")), false, `payload ${JSON.stringify(v)} ran a command`);
  }
});

test("shell: a list command is exec'd without a shell; exit codes and allow_failure", async () => {
  const ok = await runYaml(
    'workflow:\n  component: shell\n  command: [printf, "%s", "${input.v}"]\n  output: ${stdout}\n',
    { v: "$(id); `id`" },
  );
  assert.equal(ok.output, "$(id); `id`");
  const allowed = await runYaml(
    "workflow:\n  component: shell\n  command: echo out; exit 3\n  allow_failure: true\n  output:\n    code: ${exit_code}\n    out: ${stdout.trim()}\n",
  );
  assert.deepEqual(allowed.output, { code: 3, out: "out" });
});

test("logger: its output is its input", async () => {
  const { output } = await runYaml(
    "workflow:\n  component: logger\n  input:\n    message: hello\n    n: ${input.n}\n",
    { n: 7 },
  );
  assert.deepEqual(output, { message: "hello", n: 7 });
});

function timedJob(id: string, log: string, secs: number, deps?: string[]): string {
  return `
    - id: ${id}
      component: shell
      command: echo "${id} start $(date +%s%3N)" >> ${log}; sleep ${secs}; echo "${id} end $(date +%s%3N)" >> ${log}${deps ? `\n      depends_on: [${deps.join(", ")}]` : ""}
      output: ${id}`;
}

function events(log: string): Record<string, { start: number; end: number }> {
  const out: Record<string, { start: number; end: number }> = {};
  for (const line of readFileSync(log, "utf8").trim().split("\n")) {
    const [id, what, ts] = line.split(" ");
    out[id] ??= { start: Number.NaN, end: Number.NaN };
    out[id][what as "start" | "end"] = Number(ts);
  }
  return out;
}

test("ordering: sequential without depends_on, in the order listed", async () => {
  const log = path.join(tempDir(), "seq.log");
  const result = await runYaml(
    `workflow:\n  jobs:${timedJob("c", log, 0.05)}${timedJob("a", log, 0.05)}${timedJob("b", log, 0.05)}\n`,
  );
  const lines = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(" ").slice(0, 2).join(" "));
  assert.deepEqual(lines, ["c start", "c end", "a start", "a end", "b start", "b end"]);
  assert.equal(result.output, "b");
});

test("ordering: a graph runs independent jobs at once and waits for all dependencies", async () => {
  const log = path.join(tempDir(), "graph.log");
  const result = await runYaml(
    `workflow:\n  jobs:${timedJob("a", log, 0.4, [])}${timedJob("b", log, 0.4, [])}${timedJob("c", log, 0.05, ["a", "b"])}\n`,
  );
  const e = events(log);
  assert.ok(e.b.start < e.a.end && e.a.start < e.b.end, `a and b overlap: ${JSON.stringify(e)}`);
  assert.ok(e.c.start >= Math.max(e.a.end, e.b.end), `c after a and b: ${JSON.stringify(e)}`);
  assert.equal(result.output, "c");
});

test("failure: the run fails naming the job; a running sibling is cancelled, its processes gone", async () => {
  const dir = tempDir();
  const marker = path.join(dir, "dependent");
  const childPid = path.join(dir, "child.pid");
  const yaml = `
workflow:
  jobs:
    - id: sibling
      component: shell
      command: sleep 30 & echo $! > ${childPid}; wait
    - id: failing
      component: shell
      command: while [ ! -s ${childPid} ]; do sleep 0.02; done; echo boom >&2; exit 1
      depends_on: []
    - id: dependent
      component: shell
      command: touch ${marker}
      depends_on: [failing]
`;
  const t0 = Date.now();
  const error = await rejection(runYaml(yaml));
  assert.ok(error instanceof RunError, String(error));
  assert.equal(error.message, 'job "failing" failed: command exited with code 1: boom');
  assert.ok(Date.now() - t0 < 10_000, "the sibling was not waited for");
  const pid = Number(readFileSync(childPid, "utf8").trim());
  assert.ok(await waitFor(() => !alive(pid), 5000), `sleep ${pid} still runs`);
  await sleep(100);
  assert.equal(existsSync(marker), false);
});

test("cancellation: aborting the signal cancels the run", async () => {
  const controller = new AbortController();
  const run = runYaml(
    "workflow:\n  component: shell\n  command: sleep 30\n",
    {},
    { signal: controller.signal },
  );
  await sleep(300);
  controller.abort();
  const error = await rejection(run);
  assert.ok(error instanceof CancelledError || /cancel/i.test(error.message), String(error));
});

test("processes: a setsid child, orphaned, ends with its job (the subreaper through Deno's FFI)", async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, "pid");
  const command = `(setsid sh -c 'echo $$ > ${pidFile}; exec sleep 60' >/dev/null 2>&1 &); while [ ! -s ${pidFile} ]; do sleep 0.01; done; echo done`;
  const r = await runYaml(
    `workflow:\n  component: shell\n  command: ${JSON.stringify(command)}\n  output: \${stdout}\n`,
  );
  assert.equal(r.output, "done\n");
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  assert.throws(() => process.kill(pid, 0), "the orphan was ended and reaped");
});
