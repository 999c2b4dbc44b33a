// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * `-f a.yml -f b.yml`: maps merge deeply (later wins), `components` and `workflows`
 * merge by id, other lists are replaced, relative paths resolve against each file's
 * own directory, and `config` prints the merged result.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { runCli, tempDir, writeFiles } from "./helpers.ts";

const BASE = `
controller:
  host: 127.0.0.1
  port: 8080
  shutdown_grace_period: 10s
components:
  - id: greeter
    type: shell
    command: printf '%s %s' "$GREETING" "$NAME"
    env:
      GREETING: hello
      NAME: base
    timeout: 5s
  - id: untouched
    type: shell
    command: echo untouched
workflows:
  - id: main
    title: Base title
    jobs:
      - id: greet
        component: greeter
        output: \${stdout}
  - id: replaced-jobs
    jobs:
      - id: one
        component: untouched
      - id: two
        component: untouched
logger:
  - type: file
    path: ./logs/base.log
    level: debug
`;

const OVERRIDE = `
controller:
  port: 9090
components:
  - id: greeter
    env:
      NAME: override
  - id: added
    type: shell
    command: echo added
workflows:
  - id: main
    default: true
  - id: replaced-jobs
    jobs:
      - id: only
        component: added
        output: \${stdout.trim()}
  - id: appended
    component: added
logger:
  - type: file
    path: ./logs/override.log
    level: info
`;

function setUp() {
  const baseDir = tempDir();
  const overDir = tempDir();
  writeFiles(baseDir, { "base.yml": BASE });
  writeFiles(overDir, { "conf/override.yml": OVERRIDE });
  return {
    baseDir,
    overDir,
    files: ["-f", path.join(baseDir, "base.yml"), "-f", path.join(overDir, "conf/override.yml")],
  };
}

describe("-f merging", () => {
  test("config prints the merged document", async () => {
    const { baseDir, overDir, files } = setUp();
    const r = await runCli([...files, "config"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(parse(r.stdout)).toEqual({
      controller: { host: "127.0.0.1", port: 9090, shutdown_grace_period: "10s" },
      components: [
        {
          id: "greeter",
          type: "shell",
          command: `printf '%s %s' "$GREETING" "$NAME"`,
          env: { GREETING: "hello", NAME: "override" },
          timeout: "5s",
        },
        { id: "untouched", type: "shell", command: "echo untouched" },
        { id: "added", type: "shell", command: "echo added" },
      ],
      workflows: [
        {
          id: "main",
          title: "Base title",
          default: true,
          jobs: [{ id: "greet", component: "greeter", output: "${stdout}" }],
        },
        { id: "replaced-jobs", jobs: [{ id: "only", component: "added", output: "${stdout.trim()}" }] },
        { id: "appended", jobs: [{ id: "job", component: "added" }] },
      ],
      logger: [{ type: "file", path: path.join(overDir, "conf/logs/override.log"), level: "info" }],
    });
    expect(existsSync(path.join(baseDir, "logs"))).toBe(false);
  });

  test("config --format json prints the same document", async () => {
    const { files } = setUp();
    const yaml = parse((await runCli([...files, "config"])).stdout);
    const json = await runCli([...files, "config", "--format", "json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(yaml);
  });

  test("what config prints loads again with the same meaning", async () => {
    const { baseDir, files } = setUp();
    writeFiles(baseDir, {
      "escapes.yml":
        "workflows:\n  - id: escapes\n    component: shell\n    command: printf '%s %s|' \"$${HOME}\" ${env.MC_WHO}\n" +
        '    output: { shell: "${stdout}", env: "${env.MC_WHO}" }\n',
    });
    files.push("-f", path.join(baseDir, "escapes.yml"));
    const env = { MC_WHO: "literal-${not-a-binding}", HOME: "/home/x" };
    const first = (await runCli([...files, "config"], { env })).stdout;
    // A shell command keeps its ${env...}: the shell gets the value as data, not as code.
    expect(first).toContain(`command: printf '%s %s|' "$\${HOME}" \${env.MC_WHO}`);
    // Elsewhere the value is printed, with its "${" escaped.
    expect(first).toContain(`env: literal-$\${not-a-binding}`);
    const dir = tempDir();
    writeFiles(dir, { "model-compose.yml": first });
    const again = await runCli(["-f", path.join(dir, "model-compose.yml"), "config"], { env });
    expect(again.code).toBe(0);
    expect(parse(again.stdout)).toEqual(parse(first));
    const ran = await runCli(["-f", path.join(dir, "model-compose.yml"), "run", "escapes"], { env });
    expect(JSON.parse(ran.stdout)).toEqual({
      shell: "/home/x literal-${not-a-binding}|",
      env: "literal-${not-a-binding}",
    });
  });

  test("the merged components and workflows run; the file logger's path is relative to its own file", async () => {
    const { overDir, files } = setUp();
    const main = await runCli([...files, "run"]);
    expect(main.code).toBe(0);
    expect(JSON.parse(main.stdout)).toBe("hello override");

    const replaced = await runCli([...files, "run", "replaced-jobs"]);
    expect(replaced.code).toBe(0);
    expect(JSON.parse(replaced.stdout)).toBe("added");

    const log = readFileSync(path.join(overDir, "conf/logs/override.log"), "utf8");
    const lines = log
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.some((l) => l.msg === "run completed" && l.workflow === "replaced-jobs")).toBe(true);
  });

  test("the project directory is the first file's directory (.env is read there)", async () => {
    const { baseDir, overDir, files } = setUp();
    writeFiles(baseDir, { ".env": "NAME_FROM_DOTENV=base-dir\n" });
    writeFiles(overDir, { "conf/.env": "NAME_FROM_DOTENV=override-dir\n" });
    writeFiles(overDir, {
      "conf/extra.yml":
        "workflows:\n  - id: dot\n    component: shell\n    command: echo ${env.NAME_FROM_DOTENV}\n    output: ${stdout.trim()}\n",
    });
    const r = await runCli([...files, "-f", path.join(overDir, "conf/extra.yml"), "run", "dot"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toBe("base-dir");
  });

  test("--project-directory moves the .env lookup", async () => {
    const { overDir, files } = setUp();
    writeFiles(overDir, { ".env": "NAME_FROM_DOTENV=chosen\n" });
    writeFiles(overDir, {
      "conf/extra.yml":
        "workflows:\n  - id: dot\n    component: shell\n    command: echo ${env.NAME_FROM_DOTENV}\n    output: ${stdout.trim()}\n",
    });
    const r = await runCli([
      ...files,
      "-f",
      path.join(overDir, "conf/extra.yml"),
      "--project-directory",
      overDir,
      "run",
      "dot",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toBe("chosen");
  });

  test("maps nested in lists that are not merged by id are replaced whole", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "a.yml":
        "logger:\n  - type: console\n    level: debug\n  - type: file\n    path: a.log\nworkflow:\n  component: shell\n  command: echo\n",
      "b.yml": "logger:\n  type: console\n  level: error\n",
    });
    const r = await runCli(["-f", path.join(dir, "a.yml"), "-f", path.join(dir, "b.yml"), "config"]);
    expect(r.code).toBe(0);
    expect(parse(r.stdout).logger).toEqual([{ type: "console", level: "error" }]);
  });

  test("docker build contexts, short and long form, are relative to the file that sets them", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "base/model-compose.yml":
        "controller:\n  runtime:\n    type: docker\n    build: ./base-ctx\nworkflow:\n  component: shell\n  command: echo\n",
      "over/short.yml": "controller:\n  runtime:\n    build: ./short-ctx\n",
      "over/long.yml": "controller:\n  runtime:\n    build:\n      context: ./long-ctx\n",
    });
    const config = async (...files: string[]) => {
      const r = await runCli([
        ...files.flatMap((f) => ["-f", path.join(dir, f)]),
        "config",
        "--format",
        "json",
      ]);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).controller.runtime.build;
    };
    expect(await config("base/model-compose.yml")).toBe(path.join(dir, "base/base-ctx"));
    expect(await config("base/model-compose.yml", "over/short.yml")).toBe(path.join(dir, "over/short-ctx"));
    expect(await config("base/model-compose.yml", "over/long.yml")).toEqual({
      context: path.join(dir, "over/long-ctx"),
    });
  });

  test("an error in the second file names the second file", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "a.yml": "workflow:\n  component: shell\n  command: echo\n",
      "b.yml": "controller:\n  port: 99999\n",
    });
    const r = await runCli(["-f", path.join(dir, "a.yml"), "-f", path.join(dir, "b.yml"), "config"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `error: ${path.join(dir, "b.yml")}:2:9: controller.port: expected a port number up to 65535, found the number 99999`,
    );
  });

  test("a shell working_dir is relative to the file that sets it, before and after bindings", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "base/model-compose.yml":
        "components:\n  - id: here\n    type: shell\n    command: pwd\n    working_dir: ./w\n" +
        "  - id: there\n    type: shell\n    command: pwd\n" +
        "workflow:\n  jobs:\n    - id: a\n      component: here\n      output: ${stdout.trim()}\n" +
        "    - id: b\n      component: there\n      output: ${stdout.trim()}\n" +
        "  output:\n    here: ${jobs.a.output}\n    there: ${jobs.b.output}\n",
      "base/w/.keep": "",
      "overrides/prod/model-compose.override.yml":
        "components:\n  - id: there\n    working_dir: ${input.dir}\n",
      "overrides/prod/data/.keep": "",
    });
    const r = await runCli([
      "-f",
      path.join(dir, "base/model-compose.yml"),
      "-f",
      path.join(dir, "overrides/prod/model-compose.override.yml"),
      "run",
      "-i",
      '{"dir": "./data"}',
    ]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({
      here: path.join(dir, "base/w"),
      there: path.join(dir, "overrides/prod/data"),
    });
  });
});
