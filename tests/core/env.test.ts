// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The environment `${env.X}` sees, through `model-compose run`: -e > --env-file (later
 * files win) > the project's .env > the process environment; `-e KEY` takes the
 * process value; Bun never auto-loads a .env; missing variables warn on `config` and
 * fail `run` with their name and where they are used.
 */
import { describe, expect, test } from "bun:test";
import * as path from "node:path";
import { errorLines, load, project, runCli, tempDir, writeFiles } from "./helpers.ts";

/** A workflow whose output shows each variable as bindings and as the shell sees it. */
const ENV_YAML = `
workflow:
  jobs:
    - id: show
      component: shell
      command: 'printf "%s|%s|%s|%s|%s|%s" "$MC_A" "$MC_B" "$MC_C" "$MC_D" "$MC_E" "$MC_G"'
      output:
        bindings:
          a: \${env.MC_A | "unset"}
          b: \${env.MC_B | "unset"}
          c: \${env.MC_C | "unset"}
          d: \${env.MC_D | "unset"}
          e: \${env.MC_E | "unset"}
          g: \${env.MC_G | "unset"}
          cwd: \${env.MC_CWD | "unset"}
        shell: \${stdout}
`;

describe("environment precedence", () => {
  test("-e > --env-file (later wins) > project .env > process env, in bindings and in the shell", async () => {
    const dir = project(ENV_YAML, {
      ".env": "MC_A=dotenv\nMC_B=dotenv\nMC_C=dotenv\nMC_D=dotenv\nMC_G=dotenv\n",
      "one.env": "MC_A=file1\nMC_B=file1\nMC_C=file1\n",
      "two.env": "MC_A=file2\nMC_B=file2\n",
    });
    const r = await runCli(
      [
        "-f",
        path.join(dir, "model-compose.yml"),
        "--env-file",
        "one.env",
        "--env-file",
        "two.env",
        "-e",
        "MC_A=flag",
        "-e",
        "MC_G",
        "run",
      ],
      {
        cwd: dir,
        env: { MC_A: "proc", MC_B: "proc", MC_C: "proc", MC_D: "proc", MC_E: "proc", MC_G: "proc-g" },
      },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.bindings).toEqual({
      a: "flag",
      b: "file2",
      c: "file1",
      d: "dotenv",
      e: "proc",
      g: "proc-g",
      cwd: "unset",
    });
    expect(out.shell).toBe("flag|file2|file1|dotenv|proc|proc-g");
  });

  test("--env-file paths are relative to the current directory", async () => {
    const dir = project(ENV_YAML);
    const elsewhere = tempDir();
    writeFiles(elsewhere, { "vars.env": "MC_B=from-cwd-file\n" });
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "--env-file", "vars.env", "run"], {
      cwd: elsewhere,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).bindings.b).toBe("from-cwd-file");
  });

  test("-e KEY without a value and without a process value leaves lower levels alone", async () => {
    const dir = project(ENV_YAML, { ".env": "MC_G=dotenv\n" });
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "-e", "MC_G", "run"], {
      env: { MC_G: undefined },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).bindings.g).toBe("dotenv");
  });

  test("a line dotenv would skip is an error naming the file and line, in .env and in --env-file", async () => {
    const dir = project(ENV_YAML, { ".env": "MC_A=ok\nMC B=typo\n", "vars.env": "# fine\nMC_C\n" });
    const dotEnv = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"]);
    expect(dotEnv.code).toBe(2);
    expect(errorLines(dotEnv.stderr)).toEqual([
      `error: ${path.join(dir, ".env")}:2:1: expected KEY=VALUE, found "MC B=typo"`,
    ]);
    writeFiles(dir, { ".env": "MC_A=ok\n" });
    const envFile = await runCli(
      ["-f", path.join(dir, "model-compose.yml"), "--env-file", "vars.env", "run"],
      {
        cwd: dir,
      },
    );
    expect(envFile.code).toBe(2);
    expect(errorLines(envFile.stderr)).toEqual([
      `error: ${path.join(dir, "vars.env")}:2:1: expected KEY=VALUE, found "MC_C"`,
    ]);
  });

  test("-e takes every name an env file may hold, dots and dashes included", async () => {
    const dir = project(
      'workflow:\n  component: logger\n  input:\n    dashed: ${env.my-var}\n    dotted: ${env["app.mode"]}\n',
      { ".env": "my-var=file\napp.mode=file\n" },
    );
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "-e", "my-var=arg", "run"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ dashed: "arg", dotted: "file" });
  });

  test("-e values may contain '='", async () => {
    const dir = project(ENV_YAML);
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "-e", "MC_A=x=y==", "run"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).bindings.a).toBe("x=y==");
  });
});

describe("Bun does not load .env behind the user's back", () => {
  for (const viaShebang of [false, true]) {
    test(`the current directory's .env is invisible, the project's is used (${viaShebang ? "cli.ts's #! line" : "bun --no-env-file cli.ts"})`, async () => {
      const dir = project(ENV_YAML, { ".env": "MC_D=project\n" });
      const cwd = tempDir();
      writeFiles(cwd, {
        ".env": "MC_CWD=leaked\nMC_D=leaked\nMC_E=leaked\n",
        ".env.local": "MC_E=leaked-local\n",
      });
      const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"], {
        cwd,
        viaShebang,
        env: { MC_CWD: undefined, MC_D: undefined, MC_E: undefined },
      });
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.bindings.cwd).toBe("unset");
      expect(out.bindings.d).toBe("project");
      expect(out.bindings.e).toBe("unset");
      expect(out.shell).toBe("|||project||");
    });
  }
});

describe("missing variables", () => {
  const yaml = `
workflow:
  jobs:
    - id: greet
      component: shell
      command: echo hello
      output:
        key: \${env.MC_MISSING_KEY}
        fallback: \${env.MC_MISSING_OTHER | "d"}
`;

  test("config only warns, naming the variable and where it is used", async () => {
    const dir = project(yaml);
    const file = path.join(dir, "model-compose.yml");
    const r = await runCli(["-f", file, "config"], { env: { MC_MISSING_KEY: undefined } });
    expect(r.code).toBe(0);
    expect(r.stderr.trim()).toBe(
      `warning: environment variable MC_MISSING_KEY is not set (used at ${file}:8:14 workflows[0].jobs[0].output.key)`,
    );
    expect(r.stdout).toContain("key: ${env.MC_MISSING_KEY}");
    // The default applies in what config prints.
    expect(r.stdout).toContain("fallback: d");
  });

  test("run fails, naming the job, the variable and where it is used", async () => {
    const dir = project(yaml);
    const file = path.join(dir, "model-compose.yml");
    const r = await runCli(["-f", file, "run"], { env: { MC_MISSING_KEY: undefined } });
    expect(r.code).toBe(1);
    const message = `job "greet": environment variable MC_MISSING_KEY is not set (used at ${file}:8:14 workflows[0].jobs[0].output.key)`;
    expect(errorLines(r.stderr)).toEqual([`error: ${message}`]);
    expect(JSON.parse(r.stdout)).toEqual({ error: message });
  });

  test("run succeeds once the variable is given, and the default applies", async () => {
    const dir = project(yaml);
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "-e", "MC_MISSING_KEY=k", "run"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ key: "k", fallback: "d" });
  });

  test("a missing variable in a shell command fails the run that needs it", async () => {
    const dir = project("workflow:\n  component: shell\n  command: echo ${env.MC_NOPE_CMD}\n");
    const file = path.join(dir, "model-compose.yml");
    const r = await runCli(["-f", file, "run"], { env: { MC_NOPE_CMD: undefined } });
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)[0]).toBe(
      `error: job "job": environment variable MC_NOPE_CMD is not set (used at ${file}:3:12 workflows[0].jobs[0].command)`,
    );
  });

  test("a workflow that does not use the variable still runs", async () => {
    const dir = project(
      `workflows:\n  - id: uses\n    component: shell\n    command: echo \${env.MC_NOPE_W}\n` +
        "  - id: plain\n    default: true\n    component: shell\n    command: echo ok\n    output: ${stdout.trim()}\n",
    );
    const r = await runCli(["-f", path.join(dir, "model-compose.yml"), "run"], {
      env: { MC_NOPE_W: undefined },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toBe("ok");
  });
});

describe("declared variables", () => {
  test("are what .env, --env-file and -e give, even when a value equals the host's", async () => {
    const dir = project("workflow:\n  component: logger\n", {
      ".env": "SAME=host\nONLY_FILE=x\n",
      "extra.env": "EXTRA=1\n",
    });
    const p = await load(dir, {
      processEnv: { SAME: "host", HOST_ONLY: "h" },
      envFiles: [`${dir}/extra.env`],
      envArgs: ["ARG=a"],
    });
    expect(p.declaredEnv).toEqual({ SAME: "host", ONLY_FILE: "x", EXTRA: "1", ARG: "a" });
    expect(p.env.HOST_ONLY).toBe("h");
  });
});
