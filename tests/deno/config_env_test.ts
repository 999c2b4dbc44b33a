// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Under Deno: configuration errors name file:line:column (exit code 2, no stack trace),
 * and the environment's precedence through the CLI is -e > --env-file > .env > process,
 * with no .env read by the runtime itself.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { ConfigErrors, loadProject } from "model-compose";
import { errorLines, project, rejection, runCli, tempDir, test, writeFiles } from "./helpers.ts";

const BAD = `workflows:
  - id: x
    jobs:
      - id: a
        component: nope
`;

test("config error: loadProject names file:line:column, the key path and the choices", async () => {
  const dir = project(BAD);
  const error = await rejection(loadProject({ cwd: dir, processEnv: {} }));
  assert.ok(error instanceof ConfigErrors, String(error));
  const file = path.join(dir, "model-compose.yml");
  assert.equal(
    error.message,
    `${file}:5:20: workflows[0].jobs[0].component: unknown component "nope": no component has this id (defined: none) and no component type has this name (types: http-client, logger, prometheus-push, shell)`,
  );
});

test("config error through the CLI: exit 2, {error} on stdout, one line on stderr, no stack", async () => {
  const dir = project(BAD);
  const file = path.join(dir, "model-compose.yml");
  const r = await runCli(["-f", file, "run"]);
  assert.equal(r.code, 2);
  assert.match(JSON.parse(r.stdout).error, new RegExp(`^${file.replaceAll("/", "\\/")}:5:20: `));
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /:5:20: workflows\[0\]\.jobs\[0\]\.component: unknown component "nope"/);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
});

test("usage error: an unknown option exits 2", async () => {
  const r = await runCli(["run", "--no-such-option"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--no-such-option'/);
});

const ENV_YAML = `
workflow:
  component: shell
  command: "true"
  output:
    a: \${env.MC_A | "unset"}
    b: \${env.MC_B | "unset"}
    c: \${env.MC_C | "unset"}
    d: \${env.MC_D | "unset"}
    cwd_only: \${env.MC_CWD_ONLY | "unset"}
`;

test("env precedence through the CLI: -e > --env-file (later wins) > .env > process", async () => {
  const dir = project(ENV_YAML, {
    ".env": "MC_A=dotenv\nMC_B=dotenv\nMC_C=dotenv\n",
    "one.env": "MC_A=file1\nMC_B=file1\n",
    "two.env": "MC_A=file2\n",
  });
  const r = await runCli(
    [
      "-f",
      path.join(dir, "model-compose.yml"),
      "--env-file",
      path.join(dir, "one.env"),
      "--env-file",
      path.join(dir, "two.env"),
      "-e",
      "MC_D=arg",
      "run",
    ],
    { env: { MC_A: "process", MC_B: "process", MC_C: "process", MC_D: "process" } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    a: "file2",
    b: "file1",
    c: "dotenv",
    d: "arg",
    cwd_only: "unset",
  });
});

test("Deno reads no .env by itself: a .env in the working directory is not the project's", async () => {
  const cwd = tempDir();
  writeFiles(cwd, { ".env": "MC_CWD_ONLY=leaked\nMC_A=leaked\n" });
  const dir = project(ENV_YAML);
  const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"], {
    cwd,
    env: { MC_A: undefined, MC_CWD_ONLY: undefined },
  });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.cwd_only, "unset");
  assert.equal(out.a, "unset");
});

test("a missing variable fails the run that needs it, naming it", async () => {
  const dir = project('workflow:\n  component: shell\n  command: echo "${env.MC_MISSING_VAR}"\n');
  const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"], {
    env: { MC_MISSING_VAR: undefined },
  });
  assert.notEqual(r.code, 0);
  assert.match(JSON.parse(r.stdout).error, /MC_MISSING_VAR/);
});
