// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Every configuration error path, through the real CLI: exit code 2, one `error:` line
 * per problem on stderr naming file:line:column and the key path, no stack trace
 * (unless -v), and for `run` the same message as `{"error": ...}` on stdout.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { errorLines, project, runCli, tempDir, writeFiles } from "./helpers.ts";

interface Case {
  name: string;
  yaml: string;
  /** The expected error lines, with FILE standing for the compose file's path. */
  errors: Array<string | RegExp>;
  extra?: Record<string, string>;
  args?: string[];
}

const PROTO = (where: string) =>
  `${where}: the key "__proto__" is not allowed in a compose file (it names the prototype of an object)`;
const TAG = (tag: string) =>
  `the YAML tag ${tag} is not supported: compose files hold strings, numbers, booleans, null, maps and lists ${"(tags allowed: !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)"}`;

const cases: Case[] = [
  {
    name: "invalid YAML",
    yaml: "workflow:\n  component: shell\n  command: echo: bad: x\n",
    errors: ["FILE:3:12: invalid YAML: Nested mappings are not allowed in compact mappings"],
  },
  {
    name: "invalid YAML (unterminated quote)",
    yaml: 'workflow:\n  component: shell\n  command: "echo\n',
    errors: ['FILE:3:12: invalid YAML: the string opened with " here is never closed'],
  },
  {
    name: "invalid YAML (unterminated single quote after a closed one)",
    yaml: "workflow:\n  title: 'ok'\n  component: shell\n  command: 'echo\n  output: x\n",
    errors: ["FILE:4:12: invalid YAML: the string opened with ' here is never closed"],
  },
  {
    name: "invalid YAML (two documents in one file)",
    yaml: "workflow:\n  component: shell\n  command: echo\n---\nworkflow:\n  component: logger\n",
    errors: [
      "FILE:4:1: invalid YAML: a compose file holds one YAML document, but a second one starts here; put each in its own file and choose with -f",
    ],
  },
  {
    name: "duplicate key",
    yaml: "workflow:\n  component: shell\n  command: echo hi\n  command: echo ho\n",
    errors: ['FILE:4:3: workflow.command: duplicate key "command" (first written at line 3, column 3)'],
  },
  {
    name: "unknown top-level key with a did-you-mean",
    yaml: "workflowz:\n  component: shell\n  command: echo\n",
    errors: [
      'FILE:1:1: workflowz: unknown key "workflowz"; did you mean "workflows"? (valid keys: controller, components, workflows, logger, plugins)',
    ],
  },
  {
    name: "unknown component type lists the registered types",
    yaml: "components:\n  - id: x\n    type: shel\n    command: echo\nworkflow:\n  component: x\n",
    errors: [
      /^FILE:3:11: components\[0\]\.type: unknown component type "shel"; did you mean "shell"\? \(registered types: [^)]*\blogger, [^)]*\bshell\)$/,
    ],
  },
  {
    name: "unknown component reference",
    yaml: "components:\n  - id: x\n    type: shell\n    command: echo\nworkflow:\n  jobs:\n    - id: a\n      component: y\n",
    errors: [
      /^FILE:8:18: workflows\[0\]\.jobs\[0\]\.component: unknown component "y"; did you mean "x"\?: no component has this id \(defined: x\) and no component type has this name \(types: .*shell.*\)$/,
    ],
  },
  {
    name: "controller.webui as upstream's map is checked key by key",
    yaml: "controller:\n  webui:\n    driver: bogus\n    prot: 1\nworkflow:\n  component: logger\n",
    errors: [
      'FILE:3:13: controller.webui.driver: expected a webui driver of gradio, static or dynamic, found the string "bogus"',
      'FILE:4:5: controller.webui.prot: unknown key "prot"; did you mean "port"? (valid keys: driver, host, port, static_dir)',
    ],
  },
  {
    name: "controller.webui that is neither a boolean nor a map",
    yaml: "controller:\n  webui: yes please\nworkflow:\n  component: logger\n",
    errors: [
      'FILE:2:10: controller.webui: expected true, false or a map of driver, host, port, static_dir, found the string "yes please"',
    ],
  },
  {
    name: "a component's runtime map has only a type",
    yaml: "component:\n  type: shell\n  runtime: { type: embedded, x: 1 }\n  command: echo\nworkflow:\n  job: {}\n",
    errors: ['FILE:3:30: components[0].runtime.x: unknown key "x" (valid keys: type)'],
  },
  {
    name: "unknown keys on a job without component: are refused with a did-you-mean",
    yaml: "component:\n  type: shell\n  command: echo\nworkflow:\n  jobs:\n    - id: a\n      bogus_key: 1\n      ouptut: x\n",
    errors: [
      'FILE:7:18: workflows[0].jobs[0].bogus_key: unknown key "bogus_key" on a job without component: (valid keys: id, type, title, description, component, action, input, output, depends_on, timeout, retry, if; type fields such as "bogus_key" belong on the component)',
      'FILE:8:15: workflows[0].jobs[0].ouptut: unknown key "ouptut" on a job without component:; did you mean "output"? (valid keys: id, type, title, description, component, action, input, output, depends_on, timeout, retry, if; type fields such as "ouptut" belong on the component)',
    ],
  },
  {
    name: "a stray command: beside an inline component map is refused",
    yaml: "workflow:\n  jobs:\n    - id: a\n      component: { type: shell, command: echo a }\n      command: echo b\n",
    errors: [
      'FILE:5:16: workflows[0].jobs[0].command: unknown key "command" on a job with an inline component map (valid keys: id, type, title, description, component, action, input, output, depends_on, timeout, retry, if; type fields such as "command" belong on the component)',
    ],
  },
  {
    name: "a path into shell's result that names no field",
    yaml: "workflow:\n  component: shell\n  command: echo\n  output: ${result.stdot}\n",
    errors: [
      'FILE:4:11: workflows[0].jobs[0].output: ${result.stdot}: shell has no "result.stdot"; did you mean "result.stdout"? (result has stdout, stderr, exit_code)',
    ],
  },
  {
    name: "several jobs without component: and no default component",
    yaml: "components:\n  - { id: a, type: shell, command: echo a }\n  - { id: b, type: shell, command: echo b }\nworkflow:\n  jobs:\n    - id: x\n",
    errors: [
      'FILE:6:7: workflows[0].jobs[0]: missing required key "component" (components defined: a, b; mark one default: true to use it for jobs without component:)',
    ],
  },
  {
    name: "unknown key on a job whose component is defined",
    yaml: "components:\n  - id: x\n    type: shell\n    command: echo\nworkflow:\n  jobs:\n    - id: a\n      component: x\n      command: echo\n",
    errors: [
      'FILE:9:16: workflows[0].jobs[0].command: unknown key "command" on a job that uses component "x" (type fields such as "command" belong on the component, or use an inline component: component: <type>)',
    ],
  },
  {
    name: "port: abc",
    yaml: "controller:\n  port: abc\nworkflow:\n  component: shell\n  command: echo\n",
    errors: ['FILE:2:9: controller.port: expected a whole number, found the string "abc"'],
  },
  {
    name: "timeout: 5x",
    yaml: "workflow:\n  jobs:\n    - id: a\n      component: shell\n      command: echo\n      timeout: 5x\n",
    errors: [
      'FILE:6:16: workflows[0].jobs[0].timeout: expected a duration like 30s, 1m30s or 500ms, found the string "5x"',
    ],
  },
  {
    name: "timeout: 5x on a component",
    yaml: "components:\n  - id: x\n    type: shell\n    command: echo\n    timeout: 5x\nworkflow:\n  component: x\n",
    errors: [
      'FILE:5:14: components[0].timeout: expected a duration like 30s, 1m30s or 500ms, found the string "5x"',
    ],
  },
  {
    name: "max_concurrent_count: -1",
    yaml: "components:\n  - id: x\n    type: shell\n    command: echo\n    max_concurrent_count: -1\nworkflow:\n  component: x\n",
    errors: ["FILE:5:27: components[0].max_concurrent_count: expected a number >= 0, found the number -1"],
  },
  {
    name: "a list where a map is expected",
    yaml: "workflows:\n  id: x\n",
    errors: ["FILE:2:3: workflows: expected a list, found a map"],
  },
  {
    name: "a workflow without jobs",
    yaml: "workflow:\n  jobs: []\n",
    errors: ["FILE:2:9: workflows[0].jobs: a workflow needs at least one job"],
  },
  {
    name: "missing required key (command on shell)",
    yaml: "components:\n  - id: x\n    type: shell\nworkflow:\n  component: x\n",
    errors: ['FILE:2:5: components[0].command: missing required key "command"'],
  },
  {
    name: "missing required key on an inline job component",
    yaml: "workflow:\n  jobs:\n    - id: a\n      component: shell\n",
    errors: ['FILE:3:7: workflows[0].jobs[0].command: missing required key "command"'],
  },
  {
    name: "unknown job in depends_on",
    yaml: "workflow:\n  jobs:\n    - id: a\n      component: shell\n      command: echo\n      depends_on: [b]\n",
    errors: ['FILE:6:19: workflows[0].jobs[0].depends_on: depends on unknown job "b"; did you mean "a"?'],
  },
  {
    name: "dependency cycle",
    yaml:
      "workflow:\n  jobs:\n    - id: a\n      component: shell\n      command: echo\n      depends_on: [b]\n" +
      "    - id: b\n      component: shell\n      command: echo\n      depends_on: [a]\n",
    errors: ["FILE:6:19: workflows[0].jobs[0].depends_on: dependency cycle: a -> b -> a"],
  },
  {
    name: "duplicate job id",
    yaml:
      "workflow:\n  jobs:\n    - id: a\n      component: shell\n      command: echo\n" +
      "    - id: a\n      component: shell\n      command: echo\n",
    errors: ['FILE:6:11: workflows[0].jobs[1].id: duplicate job id "a" in workflow "default"'],
  },
  {
    name: "${jobs.nope.output}: unknown job",
    yaml: "workflow:\n  jobs:\n    - id: a\n      component: shell\n      command: echo\n      input:\n        x: ${jobs.nope.output}\n",
    errors: [
      'FILE:7:12: workflows[0].jobs[0].input.x: ${jobs.nope.output} refers to unknown job "nope" (jobs: a)',
    ],
  },
  {
    name: "${jobs.X.output} of a job listed later (sequential)",
    yaml: "workflow:\n  jobs:\n    - id: a\n      component: logger\n      input: ${jobs.b.output}\n    - id: b\n      component: logger\n",
    errors: [
      'FILE:5:14: workflows[0].jobs[0].input: ${jobs.b.output}: job "b" is not certain to have finished when job "a" starts; "b" is listed after it (without depends_on, jobs run in the order listed)',
    ],
  },
  {
    name: "${jobs.X.output} of a job that is not a dependency (graph)",
    yaml:
      "workflow:\n  jobs:\n    - id: a\n      component: logger\n      depends_on: []\n      input:\n        x: ${jobs.b.output}\n" +
      "    - id: b\n      component: logger\n    - id: c\n      component: logger\n      depends_on: [d]\n      input: ${jobs.a.output}\n" +
      "    - id: d\n      component: logger\n      depends_on: [a]\n",
    errors: [
      'FILE:7:12: workflows[0].jobs[0].input.x: ${jobs.b.output}: job "b" is not certain to have finished when job "a" starts; add "b" to the depends_on of "a"',
    ],
  },
  {
    name: "${foo.bar}: unknown binding source",
    yaml: "workflow:\n  jobs:\n    - id: a\n      component: shell\n      command: echo\n      input:\n        x: ${foo.bar}\n",
    errors: [
      /^FILE:7:12: workflows\[0\]\.jobs\[0\]\.input\.x: unknown source "foo"; allowed here: input, env, jobs, output, context .*\$\{foo\.bar\}$/,
    ],
  },
  {
    name: "unknown binding source in a shell command",
    yaml: "workflow:\n  component: shell\n  command: echo ${stdout}\n",
    errors: [
      /^FILE:3:12: workflows\[0\]\.jobs\[0\]\.command: unknown source "stdout"; allowed here: input, env, context/,
    ],
  },
  {
    name: "another job's output read from a component field says how to pass it",
    yaml: "workflow:\n  jobs:\n    - id: a\n      component: shell\n      command: echo A\n    - id: b\n      component: shell\n      command: echo ${jobs.a.output}\n",
    errors: [
      'FILE:8:16: workflows[0].jobs[1].command: unknown source "jobs"; allowed here: input, env, context at column 1 in ${jobs.a.output}; a component reads only its job\'s input: give the value to the job (input: { x: "${jobs.ID.output}" }) and write ${input.x} here',
    ],
  },
  {
    name: "every bad binding of a map is reported, not only the first",
    yaml: 'workflow:\n  jobs:\n    - id: a\n      component: logger\n      input:\n        v: "${input.x as bogus}"\n        w: "${input.y.trimm()}"\n        z: "${input[}"\n        ok: "${nope.x}"\n',
    errors: [
      'FILE:6:12: workflows[0].jobs[0].input.v: unknown type "bogus" after "as"; expected one of text, number, integer, boolean, json, base64, object, object[], list, string, int, markdown, select, stream, any, image, audio, video, file at column 12 in ${input.x as bogus}',
      "FILE:7:12: workflows[0].jobs[0].input.w: unknown method trimm() (did you mean trim()?); available: trim(), lower(), upper(), split(), join(), slice(), replace(), includes(), length() at column 8 in ${input.y.trimm()}",
      'FILE:8:12: workflows[0].jobs[0].input.z: expected a quoted name, an integer index or "*" inside [ ] at column 7 in ${input[}',
      /^FILE:9:13: workflows\[0\]\.jobs\[0\]\.input\.ok: unknown source "nope"; allowed here: input, env, jobs, output, context/,
    ],
  },
  {
    name: "a component's retry option on a job's retry says where it belongs",
    yaml: "workflow:\n  jobs:\n    - id: a\n      component: http-client\n      endpoint: http://127.0.0.1:9/x\n      retry: { max_attempts: 2, on_status: [500] }\n",
    errors: [
      "FILE:6:33: workflows[0].jobs[0].retry.on_status: unknown key \"on_status\" (valid keys: max_attempts, delay); this is the job's retry; a component's own retry options go on the component, for an inline one as component: { type: TYPE, retry: {...} }",
    ],
  },
  {
    name: "a shell variable written as a binding gets a hint",
    yaml: "workflow:\n  component: shell\n  command: echo ${HOME}\n",
    errors: [
      /^FILE:3:12: workflows\[0\]\.jobs\[0\]\.command: unknown source "HOME"; .* \(to leave \$\{HOME\} to the shell, write \$\$\{HOME\}\)$/,
    ],
  },
  {
    name: "a binding other than ${env...} where the value is needed at load time",
    yaml: "controller:\n  host: ${input.host}\nworkflow:\n  component: shell\n  command: echo\n",
    errors: [
      "FILE:2:9: controller.host: ${input.host}: only ${env.NAME} can be used here (this value is needed before any run)",
    ],
  },
  {
    name: "a binding syntax error where the value is needed at load time",
    yaml: "logger:\n  type: file\n  path: ${env.LOG_DIR/x.log\nworkflow:\n  component: shell\n  command: echo\n",
    errors: [/^FILE:3:9: logger\[0\]\.path: .*\$\{env\.LOG_DIR\/x\.log/],
  },
  {
    name: "an unset variable in a log file path",
    yaml: "logger:\n  type: file\n  path: ${env.MC_UNSET_LOG_DIR}/x.log\nworkflow:\n  component: shell\n  command: echo\n",
    errors: [
      "FILE:3:9: logger[0].path: environment variable MC_UNSET_LOG_DIR is not set (it is needed before any run)",
    ],
  },
  {
    name: "binding syntax error",
    yaml: 'workflow:\n  jobs:\n    - id: a\n      component: shell\n      command: echo\n      input:\n        x: "hello ${input.x +}"\n',
    errors: [
      /^FILE:7:12: workflows\[0\]\.jobs\[0\]\.input\.x: unexpected "}"; expected a value .*\$\{input\.x \+\}$/,
    ],
  },
  {
    name: "unknown action",
    yaml:
      "components:\n  - id: x\n    type: shell\n    actions:\n      - id: one\n        command: echo 1\n" +
      "workflow:\n  jobs:\n    - id: a\n      component: x\n      action: two\n",
    errors: ['FILE:11:15: workflows[0].jobs[0].action: component "x" has no action "two" (actions: one)'],
  },
  {
    name: "unknown logger type",
    yaml: "logger:\n  - type: syslog\nworkflow:\n  component: shell\n  command: echo\n",
    errors: [
      'FILE:2:11: logger[0].type: expected a logger type of console or file, found the string "syslog"',
    ],
  },
  {
    name: "unknown logger level",
    yaml: "logger:\n  type: console\n  level: loud\nworkflow:\n  component: shell\n  command: echo\n",
    errors: [
      'FILE:3:10: logger[0].level: expected one of debug, info, warning, error, critical, found the string "loud"',
    ],
  },
  {
    name: "a __proto__ key at the top level is refused, not dropped",
    yaml: "__proto__:\n  workflows: []\nworkflow:\n  component: shell\n  command: echo\n",
    errors: [PROTO("FILE:1:1: __proto__")],
  },
  {
    name: "a __proto__ key inside a workflow is refused where it is written",
    yaml: "workflow:\n  component: shell\n  command: echo\n  __proto__: {bogus: 1}\n",
    errors: [PROTO("FILE:4:3: workflow.__proto__")],
  },
  {
    name: "a quoted __proto__ key in a flow map of a list is refused",
    yaml: 'workflows:\n  - {id: a, component: shell, command: echo, "__proto__": {}}\n',
    errors: [PROTO("FILE:2:46: workflows[0].__proto__")],
  },
  {
    name: "the YAML tag !!binary is refused by name (it would be a Buffer)",
    yaml: "workflow:\n  component: shell\n  command: !!binary aGVsbG8=\n",
    errors: [`FILE:3:12: workflow.command: ${TAG("!!binary")}`],
  },
  {
    name: "the YAML tag !!omap is refused by name (it would be [null])",
    yaml: "workflow:\n  component: shell\n  command: echo\n  input: !!omap [ {x: 1} ]\n",
    errors: [`FILE:4:10: workflow.input: ${TAG("!!omap")}`],
  },
  {
    name: "the YAML tags !!set and !!timestamp are refused by name",
    yaml: "workflow:\n  component: shell\n  command: echo\n  input: !!set {a}\n",
    errors: [`FILE:4:10: workflow.input: ${TAG("!!set")}`],
  },
  {
    name: "a local tag is refused by name, also after an anchor",
    yaml: "workflow:\n  component: shell\n  command: &c !shell echo\n",
    errors: [`FILE:3:15: workflow.command: ${TAG("!shell")}`],
  },
  {
    name: "a tagged key is refused",
    yaml: "workflow:\n  component: shell\n  !!timestamp 2001-12-14: echo\n",
    errors: [`FILE:3:3: workflow: ${TAG("!!timestamp")}`],
  },
  {
    name: "a broken plugin is named",
    yaml: "plugins: [./broken-plugin.ts]\nworkflow:\n  component: shell\n  command: echo\n",
    extra: { "broken-plugin.ts": "export default {{ broken\n" },
    errors: [
      /^FILE:1:11: plugins\[0\]: plugin .*broken-plugin\.ts could not be loaded: .*broken-plugin\.ts:\d+:\d+: /,
    ],
  },
  {
    name: "a missing plugin file is named",
    yaml: "plugins: [./nope-plugin.ts]\nworkflow:\n  component: shell\n  command: echo\n",
    errors: [/^FILE:1:11: plugins\[0\]: plugin .*nope-plugin\.ts could not be loaded/],
  },
  {
    name: "a plugin without a default export is named",
    yaml: "plugins: [./empty-plugin.ts]\nworkflow:\n  component: shell\n  command: echo\n",
    extra: { "empty-plugin.ts": "export const x = 1;\n" },
    errors: [/^FILE:1:11: plugins\[0\]: plugin .*empty-plugin\.ts .*has no default export/],
  },
];

function expectLines(lines: string[], expected: Array<string | RegExp>, file: string): void {
  expect(lines.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const line = lines[i].replace(/^error: /, "");
    if (typeof e === "string") expect(line).toBe(e.replace("FILE", file));
    else
      expect(line).toMatch(
        new RegExp(e.source.replace("FILE", file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))),
      );
  });
}

function noStack(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe("configuration errors (exit 2, file:line:column and key path)", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const dir = project(c.yaml, c.extra);
      const file = path.join(dir, "model-compose.yml");
      const run = await runCli(["-f", file, "run", ...(c.args ?? [])]);
      expect(run.code).toBe(2);
      const lines = errorLines(run.stderr);
      expectLines(lines, c.errors, file);
      noStack(run.stderr);
      // stdout carries exactly the error as JSON.
      const printed = JSON.parse(run.stdout) as { error: string };
      expect(printed.error).toBe(lines.map((l) => l.replace(/^error: /, "")).join("\n"));

      const config = await runCli(["-f", file, "config"]);
      expect(config.code).toBe(2);
      expect(config.stdout).toBe("");
      expectLines(errorLines(config.stderr), c.errors, file);
      noStack(config.stderr);
    });
  }

  test("several problems are reported together, one line each", async () => {
    const dir = project(
      "components:\n  - id: x\n    type: shell\n    command: echo\n    timeout: 1x\n    actions:\n" +
        "      - id: a\n      - id: b\n        command: 3\n        bogus: 1\nworkflow:\n  component: x\n",
    );
    const file = path.join(dir, "model-compose.yml");
    const r = await runCli(["-f", file, "config"]);
    expect(r.code).toBe(2);
    expectLines(
      errorLines(r.stderr),
      [
        'FILE:5:14: components[0].timeout: expected a duration like 30s, 1m30s or 500ms, found the string "1x"',
        "FILE:9:18: components[0].actions[1].command: expected a command string or a list of arguments (strings, numbers or true/false), found the number 3",
        'FILE:10:9: components[0].actions[1].bogus: unknown key "bogus" (valid keys: command, working_dir, env, stdin, timeout, allow_failure, shell, max_stdout_size, max_stderr_size, kill_grace)',
      ],
      file,
    );
  });

  test("the stack trace is printed only with -v", async () => {
    const dir = project("workflowz: {}\n");
    const file = path.join(dir, "model-compose.yml");
    const quiet = await runCli(["-f", file, "run"]);
    expect(quiet.stderr).not.toMatch(/^\s+at /m);
    const verbose = await runCli(["-v", "-f", file, "run"]);
    expect(verbose.code).toBe(2);
    expect(verbose.stderr).toMatch(/^\s+at /m);
    expect(errorLines(verbose.stderr)[0]).toContain('unknown key "workflowz"');
  });
});

describe("command-line errors (exit 2)", () => {
  const okYaml =
    "workflows:\n  - id: greet\n    component: shell\n    command: echo ${input.x}\n    output: ${stdout.trim()}\n";

  async function expectRunError(args: string[], message: string | RegExp, cwd?: string): Promise<void> {
    const r = await runCli(args, { cwd });
    expect(r.code).toBe(2);
    const lines = errorLines(r.stderr);
    expect(lines.length).toBe(1);
    const text = lines[0].replace(/^error: /, "");
    if (typeof message === "string") expect(text).toBe(message);
    else expect(text).toMatch(message);
    expect(JSON.parse(r.stdout)).toEqual({ error: text });
    noStack(r.stderr);
  }

  test("unknown workflow name given to run", async () => {
    const dir = project(okYaml);
    await expectRunError(
      ["-f", path.join(dir, "model-compose.yml"), "run", "nope"],
      'unknown workflow "nope" (workflows: greet)',
    );
  });

  test("an empty compose file is refused by run and config alike", async () => {
    for (const text of ["", "# nothing yet\n", "~\n", "{}\n"]) {
      const dir = project(text);
      const file = path.join(dir, "model-compose.yml");
      const message = `${file}:1:1: the compose file is empty; write at least one workflow (under workflows: or workflow:)`;
      await expectRunError(["-f", file, "run"], message);
      const config = await runCli(["-f", file, "config"]);
      expect(config.code).toBe(2);
      expect(config.stdout).toBe("");
      expect(errorLines(config.stderr)).toEqual([`error: ${message}`]);
    }
  });

  test("a compose file without workflows names itself and says what to add", async () => {
    const dir = project("controller:\n  port: 8080\n");
    const file = path.join(dir, "model-compose.yml");
    await expectRunError(
      ["-f", file, "run"],
      `${file}:1:1: no workflow is defined; add one under workflows: or workflow:`,
    );
  });

  test("up with a controller variable missing names where it is used", async () => {
    const dir = project(
      "controller:\n  host: ${env.MC_NO_SUCH_HOST}\n  port: 0\nworkflow:\n  component: shell\n  command: echo hi\n",
    );
    const file = path.join(dir, "model-compose.yml");
    const r = await runCli(["-f", file, "up"]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      `error: ${file}:2:9: controller.host: environment variable MC_NO_SUCH_HOST is not set (it is needed to start the controller)`,
    ]);
  });

  test("several workflows without a default", async () => {
    const dir = project(`${okYaml}  - id: other\n    component: shell\n    command: echo\n`);
    await expectRunError(
      ["-f", path.join(dir, "model-compose.yml"), "run"],
      `${path.join(dir, "model-compose.yml")}:2:3: workflows: several workflows and none is the default; name one (greet, other) or mark one with default: true`,
    );
  });

  test("--input that is not JSON", async () => {
    const dir = project(okYaml);
    await expectRunError(
      ["-f", path.join(dir, "model-compose.yml"), "run", "--input", "{bad"],
      /^--input: not valid JSON: .+/,
    );
  });

  test("--input @missing.json", async () => {
    const dir = project(okYaml);
    await expectRunError(
      ["-f", path.join(dir, "model-compose.yml"), "run", "--input", "@missing.json"],
      `--input @missing.json: cannot read ${path.join(dir, "missing.json")}: no such file`,
      dir,
    );
  });

  test("--input @- with nothing on standard input", async () => {
    const dir = project(okYaml);
    await expectRunError(
      ["-f", path.join(dir, "model-compose.yml"), "run", "--input", "@-"],
      "--input @-: standard input is empty; expected JSON",
    );
  });

  test("--input @file.json that is not JSON", async () => {
    const dir = project(okYaml, { "in.json": "{nope" });
    await expectRunError(
      ["-f", path.join(dir, "model-compose.yml"), "run", "-i", "@in.json"],
      /^--input @in\.json: not valid JSON: .+/,
      dir,
    );
  });

  test("missing -f file", async () => {
    const dir = tempDir();
    await expectRunError(
      ["-f", "nope.yml", "run"],
      `compose file not found: nope.yml (looked at ${path.join(dir, "nope.yml")})`,
      dir,
    );
  });

  test("-f naming a directory", async () => {
    const dir = tempDir();
    await expectRunError(
      ["-f", ".", "run"],
      "compose file . is a directory; name the file (e.g. model-compose.yml)",
      dir,
    );
  });

  test("no compose file in the directory", async () => {
    const dir = tempDir();
    await expectRunError(
      ["run"],
      `no compose file: neither model-compose.yml nor model-compose.yaml exists in ${dir}; pass one with -f FILE`,
      dir,
    );
    const config = await runCli(["config"], { cwd: dir });
    expect(config.code).toBe(2);
    expect(errorLines(config.stderr)[0]).toContain("no compose file");
  });

  test("model-compose.yaml is found when there is no .yml", async () => {
    const dir = tempDir();
    writeFiles(dir, { "model-compose.yaml": okYaml });
    const r = await runCli(["run", "-i", '{"x": "found"}'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toBe("found");
  });

  test("a missing --env-file", async () => {
    const dir = project(okYaml);
    await expectRunError(
      ["-f", path.join(dir, "model-compose.yml"), "--env-file", "nope.env", "run"],
      `--env-file nope.env: file not found (looked at ${path.join(dir, "nope.env")})`,
      dir,
    );
  });

  test("an -e without a variable name", async () => {
    const dir = project(okYaml);
    await expectRunError(
      ["-f", path.join(dir, "model-compose.yml"), "-e", "=x", "run"],
      "-e =x: expected KEY=VALUE with a variable name as KEY",
    );
  });

  test("input that the workflow's input: rejects is refused before anything runs", async () => {
    const dir = project(
      "workflow:\n  input:\n    name: ${input.name}\n  jobs:\n    - id: a\n      component: shell\n      command: touch ran\n",
    );
    await expectRunError(
      ["-f", path.join(dir, "model-compose.yml"), "run", "-i", '{"other": 1}'],
      '--input: input of workflow "default" is missing "name"',
      dir,
    );
    expect(existsSync(path.join(dir, "ran"))).toBe(false);
  });

  test("-o into a directory that does not exist is refused before anything runs", async () => {
    const dir = project("workflow:\n  component: shell\n  command: touch ran\n");
    await expectRunError(
      ["-f", path.join(dir, "model-compose.yml"), "run", "-o", "no/such/dir/out.json"],
      `-o no/such/dir/out.json: the directory ${path.join(dir, "no/such/dir")} does not exist`,
      dir,
    );
    expect(existsSync(path.join(dir, "ran"))).toBe(false);
  });

  test("-o onto a directory is refused", async () => {
    const dir = project("workflow:\n  component: shell\n  command: echo\n");
    await expectRunError(
      ["-f", path.join(dir, "model-compose.yml"), "run", "-o", dir],
      `-o ${dir}: ${dir} is a directory`,
    );
  });

  test("an unknown command is a usage error", async () => {
    const r = await runCli(["bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'bogus'");
  });
});
