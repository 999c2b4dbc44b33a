// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The `logger:` section and the `logger` component, through the CLI: console entries
 * write JSON lines to stderr when it is not a terminal, file entries create their
 * directories and keep their own level, and secrets never reach any line.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { project, runCli } from "./helpers.ts";

interface LogLine {
  level: string;
  time: string;
  msg: string;
  run_id?: string;
  workflow?: string;
  job?: string;
  [key: string]: unknown;
}

/** stderr's log lines (everything but `error:`/`warning:` lines), each parsed as JSON. */
function jsonLines(text: string): LogLine[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("error: ") && !l.startsWith("warning: "))
    .map((l) => JSON.parse(l) as LogLine);
}

function fileLines(file: string): LogLine[] {
  return jsonLines(readFileSync(file, "utf8"));
}

const LOGGING_YAML = `
logger:
  - type: console
    level: warning
  - type: file
    path: ./logs/deep/nested/all.log
    level: debug
  - type: file
    path: ./logs/errors.log
    level: error
components:
  - id: log-debug
    type: logger
    level: debug
  - id: log-error
    type: logger
    level: error
workflow:
  jobs:
    - id: quiet
      component: log-debug
      input:
        message: "a debug line for \${input.who}"
        detail: 42
    - id: loud
      component: log-error
      input:
        message: an error line
`;

describe("logger: section", () => {
  test("console JSON on stderr; files get their own levels and parent directories", async () => {
    const dir = project(LOGGING_YAML);
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run", "-i", '{"who": "tests"}']);
    expect(r.code).toBe(0);
    // The console is at warning: only the error line.
    const consoleLines = jsonLines(r.stderr);
    expect(consoleLines.map((l) => [l.level, l.msg])).toEqual([["error", "an error line"]]);
    expect(consoleLines[0]).toMatchObject({ workflow: "default", job: "loud", component: "log-error" });
    expect(consoleLines[0].run_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(Number.isNaN(Date.parse(consoleLines[0].time))).toBe(false);

    const all = fileLines(path.join(dir, "logs/deep/nested/all.log"));
    const debug = all.find((l) => l.msg === "a debug line for tests");
    expect(debug).toMatchObject({ level: "debug", job: "quiet", detail: 42, run_id: consoleLines[0].run_id });
    expect(all.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        "run started",
        "job started",
        "an error line",
        "job completed",
        "run completed",
      ]),
    );

    const errors = fileLines(path.join(dir, "logs/errors.log"));
    expect(errors.map((l) => [l.level, l.msg])).toEqual([["error", "an error line"]]);
  });

  test("the output of a logger job is its input", async () => {
    const dir = project(LOGGING_YAML);
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run", "-i", '{"who": "x"}']);
    expect(JSON.parse(r.stdout)).toEqual({ message: "an error line" });
  });

  test("without a logger: section, the console shows warnings and errors only", async () => {
    const dir = project(
      "components:\n  - id: log\n    type: logger\n    level: info\n  - id: warn\n    type: logger\n    level: warning\n" +
        "workflow:\n  jobs:\n    - id: a\n      component: log\n      input: { message: info line }\n" +
        "    - id: b\n      component: warn\n      input: { message: warning line }\n",
    );
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stderr).map((l) => [l.level, l.msg])).toEqual([["warn", "warning line"]]);
  });

  test("-v turns the console to debug", async () => {
    const dir = project("workflow:\n  component: shell\n  command: echo hi\n");
    const r = await runCli(["-v", "-f", path.join(dir, "model-compose.yml"), "run"]);
    expect(r.code).toBe(0);
    const msgs = jsonLines(r.stderr).map((l) => `${l.level} ${l.msg}`);
    expect(msgs).toEqual([
      "info run started",
      "debug job started",
      "debug job completed",
      "info run completed",
    ]);
  });

  test("the console level applies to the engine's own lines too", async () => {
    const dir = project(
      "logger:\n  type: console\n  level: info\nworkflow:\n  component: shell\n  command: echo hi\n",
    );
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"]);
    expect(jsonLines(r.stderr).map((l) => l.msg)).toEqual(["run started", "run completed"]);
  });

  test("a logger job with a non-map input logs it as data", async () => {
    const dir = project(
      "logger:\n  type: console\n  level: info\nworkflow:\n  component: logger\n  input: [1, two]\n",
    );
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"]);
    const line = jsonLines(r.stderr).find((l) => l.job === "job");
    expect(line).toMatchObject({ level: "info", msg: "log", data: [1, "two"] });
    expect(JSON.parse(r.stdout)).toEqual([1, "two"]);
  });

  test("input fields named like the line's own keys are written as input.NAME, never twice", async () => {
    const dir = project(
      "logger:\n  type: console\n  level: info\nworkflow:\n  jobs:\n    - id: note\n      component: logger\n" +
        "      input: { message: hi, level: custom, job: mine, time: 5, input.job: taken, other: 1 }\n",
    );
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"]);
    const raw = r.stderr.split("\n").find((l) => l.includes('"msg":"hi"'));
    expect(raw).toBeDefined();
    for (const key of ["level", "time", "job", "msg"]) expect(raw!.split(`"${key}":`)).toHaveLength(2);
    expect(JSON.parse(raw!)).toMatchObject({
      level: "info",
      job: "note",
      msg: "hi",
      other: 1,
      "input.level": "custom",
      "input.input.job": "mine",
      "input.job": "taken",
      "input.time": 5,
    });
    // The job's output is its input, untouched.
    expect(JSON.parse(r.stdout)).toEqual({
      message: "hi",
      level: "custom",
      job: "mine",
      time: 5,
      "input.job": "taken",
      other: 1,
    });
  });

  test("a file logger in a directory that cannot be created is an error, not a crash", async () => {
    const dir = project(
      "logger:\n  type: file\n  path: /proc/nope/x.log\nworkflow:\n  component: shell\n  command: echo hi\n",
    );
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"]);
    expect(r.code).toBe(2);
    const file = path.join(dir, "model-compose.yml");
    expect(r.stderr).toContain(
      `error: ${file}:3:9: logger[0].path: cannot open log file /proc/nope/x.log: ENOENT\n`,
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe("secrets never reach a log line", () => {
  const SECRETS = {
    API_KEY: "sk-live-0123456789abcdef",
    DB_PASSWORD: "correct horse battery staple",
    TOKEN: "tok_9f8e7d6c5b4a",
    GITHUB_TOKEN: 'ghp_quote"and\\backslash',
    MY_SECRET: "s3cr3t-value",
  };

  const yaml = `
logger:
  - type: console
    level: debug
  - type: file
    path: ./logs/all.log
    level: debug
workflow:
  jobs:
    - id: leak
      component: logger
      input:
        message: "key=\${env.API_KEY} password=\${env.DB_PASSWORD}"
        token: \${env.TOKEN}
        nested: { list: ["\${env.GITHUB_TOKEN}", "prefix-\${env.MY_SECRET}-suffix"] }
        headers:
          Authorization: Bearer not-an-env-value-123
          Content-Type: application/json
        request:
          deep:
            headers: { authorization: "Basic dXNlcjpwYXNz" }
    - id: shell
      component: shell
      command: echo "$API_KEY" >&2; exit 1
      allow_failure: true
    - id: fail
      component: shell
      command: echo "$DB_PASSWORD" >&2; exit 2
`;

  test("not in the console, not in files, whether logged by a job or in an error", async () => {
    const dir = project(yaml);
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"], { env: SECRETS });
    expect(r.code).toBe(1);
    const logged = `${r.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .join("\n")}\n${readFileSync(path.join(dir, "logs/all.log"), "utf8")}`;
    for (const value of Object.values(SECRETS)) {
      expect(logged).not.toContain(value);
      expect(logged).not.toContain(JSON.stringify(value).slice(1, -1));
    }
    expect(logged).not.toContain("not-an-env-value-123");
    expect(logged).not.toContain("dXNlcjpwYXNz");

    const line = fileLines(path.join(dir, "logs/all.log")).find(
      (l) => l.job === "leak" && l.level === "info",
    );
    expect(line).toMatchObject({
      msg: "key=[REDACTED] password=[REDACTED]",
      token: "[REDACTED]",
      nested: { list: ["[REDACTED]", "prefix-[REDACTED]-suffix"] },
      headers: { Authorization: "[REDACTED]", "Content-Type": "application/json" },
      request: { deep: { headers: { authorization: "[REDACTED]" } } },
    });
    // The run's failure is logged, with the secret masked.
    const failed = fileLines(path.join(dir, "logs/all.log")).find((l) => l.msg === "run failed");
    expect(failed?.err).toBe('job "fail" failed: command exited with code 2: [REDACTED]');
  });

  test("short values and ordinary names are left alone", async () => {
    const dir = project(
      "logger:\n  type: console\n  level: info\nworkflow:\n  component: logger\n  input: { message: '${env.PIN_KEY} ${env.GREETING}' }\n",
    );
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"], {
      env: { PIN_KEY: "123", GREETING: "hello-world" },
    });
    const line = jsonLines(r.stderr).find((l) => l.job === "job");
    expect(line?.msg).toBe("123 hello-world");
    expect(existsSync(path.join(dir, "logs"))).toBe(false);
  });
});
