// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The `shell` component: string commands through `sh -c`, lists exec'd without a
 * shell, working_dir, env, timeout (the whole process tree), exit codes and
 * allow_failure, the result variables.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, realpathSync } from "node:fs";
import * as path from "node:path";
import { alive, runError, runYaml, tempDir, waitFor, writeFiles } from "./helpers.ts";

/** A one-job workflow with the given shell fields (YAML lines, indented by 4). */
function shellJob(fields: string): string {
  return `workflow:\n  jobs:\n    - id: sh\n      component: shell\n${fields.replace(/^/gm, "      ")}\n`;
}

describe("commands", () => {
  test("a string runs through sh -c (pipes, variables, $0)", async () => {
    const r = await runYaml(shellJob('command: echo abc | tr a-z A-Z; echo "$0"'));
    expect(r.output).toBe("ABC\nsh\n");
  });

  test("a list is exec'd without a shell: $HOME, globs and quotes stay literal", async () => {
    const r = await runYaml(
      shellJob(`command: [printf, "%s|", "$HOME", "*", "a  b", "it's", "\${input.x}", "\${input.n}"]`),
      { x: "; touch nope", n: 3 },
    );
    expect(r.output).toBe("$HOME|*|a  b|it's|; touch nope|3|");
  });

  test('["echo", "$HOME"] prints $HOME literally', async () => {
    const r = await runYaml(shellJob('command: ["echo", "$HOME"]'));
    expect(r.output).toBe("$HOME\n");
  });

  test("a list can splice a list of arguments", async () => {
    const r = await runYaml(shellJob('command: [printf, "%s,", "...${input.args}"]'), {
      args: ["a b", "$x", 1],
    });
    expect(r.output).toBe("a b,$x,1,");
  });

  test("a program that does not exist is a clear error", async () => {
    const error = await runError(runYaml(shellJob("command: [no-such-program-mc]")));
    expect(error.message).toMatch(/^job "sh" failed: cannot start no-such-program-mc: /);
  });

  test("shell: picks the interpreter", async () => {
    const r = await runYaml(shellJob('shell: bash\ncommand: echo "$${BASH_VERSION:+bash}"'));
    expect(r.output).toBe("bash\n");
  });
});

describe("working_dir and env", () => {
  test("working_dir is relative to the project directory; default is the project directory", async () => {
    const dir = tempDir();
    writeFiles(dir, { "sub/inner/file.txt": "x" });
    const yaml =
      "workflow:\n  jobs:\n    - id: here\n      component: shell\n      command: pwd\n" +
      "    - id: there\n      component: shell\n      command: pwd; ls\n      working_dir: sub/inner\n" +
      "  output:\n    here: ${jobs.here.output}\n    there: ${jobs.there.output}\n";
    const r = await runYaml(yaml, {}, { dir });
    const real = realpathSync(dir);
    expect(r.output).toEqual({ here: `${real}\n`, there: `${real}/sub/inner\nfile.txt\n` });
  });

  test("a working_dir that is missing or not a directory is named", async () => {
    const dir = realpathSync(tempDir());
    writeFiles(dir, { "file.txt": "x" });
    const missing = await runError(runYaml(shellJob("command: pwd\nworking_dir: nope"), {}, { dir }));
    expect(missing.message).toBe(`job "sh" failed: working_dir ${dir}/nope does not exist`);
    const file = await runError(runYaml(shellJob("command: pwd\nworking_dir: file.txt"), {}, { dir }));
    expect(file.message).toBe(`job "sh" failed: working_dir ${dir}/file.txt is not a directory`);
  });

  test("an absolute working_dir", async () => {
    const other = realpathSync(tempDir());
    const r = await runYaml(shellJob(`command: pwd\nworking_dir: ${other}`));
    expect(r.output).toBe(`${other}\n`);
  });

  test("env adds variables over the merged environment; values may be bindings", async () => {
    const r = await runYaml(
      shellJob(
        'command: printf "%s|%s|%s|%s" "$FOO" "$N" "$FROM_INPUT" "$MC_BASE"\nenv:\n  FOO: bar\n  N: 3\n  FROM_INPUT: ${input.v}\n  MC_BASE: over',
      ),
      { v: "in put" },
      { env: { MC_BASE: "base" } },
    );
    expect(r.output).toBe("bar|3|in put|over");
  });

  test("the merged environment reaches the command", async () => {
    const r = await runYaml(
      shellJob('command: printf "%s" "$MC_FROM_ENV"'),
      {},
      { env: { MC_FROM_ENV: "yes" } },
    );
    expect(r.output).toBe("yes");
  });
});

describe("exit codes and result variables", () => {
  test("stdout, stderr and exit_code are available to output:", async () => {
    const r = await runYaml(
      shellJob(
        "command: echo out; echo err >&2\noutput:\n  out: ${stdout}\n  err: ${stderr}\n  code: ${exit_code}\n  result: ${result}",
      ),
    );
    expect(r.output).toEqual({ out: "out\n", err: "err\n", code: 0, result: "out\n" });
  });

  test("without output:, the output is stdout", async () => {
    const r = await runYaml(shellJob("command: printf 'a\\nb'"));
    expect(r.output).toBe("a\nb");
  });

  test("a non-zero exit fails the job with the last lines of stderr", async () => {
    const error = await runError(
      runYaml(shellJob("command: echo one >&2; echo two >&2; echo three >&2; echo four >&2; exit 7")),
    );
    expect(error.message).toBe('job "sh" failed: command exited with code 7: two | three | four');
  });

  test("allow_failure: true passes the exit code on", async () => {
    const r = await runYaml(
      shellJob(
        "command: echo partial; exit 3\nallow_failure: true\noutput:\n  code: ${exit_code}\n  ok: ${exit_code == 0}\n  out: ${stdout.trim()}",
      ),
    );
    expect(r.output).toEqual({ code: 3, ok: false, out: "partial" });
  });

  test("a command killed by a signal reports 128 + the signal number", async () => {
    const r = await runYaml(shellJob("command: kill -TERM $$\nallow_failure: true\noutput: ${exit_code}"));
    expect(r.output).toBe(143);
  });

  test("any signal counts, not only the common ones (SIGUSR1 = 10)", async () => {
    const r = await runYaml(shellJob("command: kill -USR1 $$\nallow_failure: true\noutput: ${exit_code}"));
    expect(r.output).toBe(138);
  });

  test("output on a component applies to every job that uses it", async () => {
    const r = await runYaml(`
components:
  - id: upper
    type: shell
    command: echo \${input.word} | tr a-z A-Z
    output: \${stdout.trim()}
workflow:
  jobs:
    - id: a
      component: upper
      input: { word: hello }
    - id: b
      component: upper
      input: { word: "\${output}-again" }
`);
    expect(r.output).toBe("HELLO-AGAIN");
  });
});

describe("timeout", () => {
  for (const where of ["component", "job"] as const) {
    test(`a ${where} timeout kills the whole process tree`, async () => {
      const dir = tempDir();
      const shPid = path.join(dir, "sh.pid");
      const childPid = path.join(dir, "child.pid");
      const command = `echo $$ > ${shPid}; sleep 60 & echo $! > ${childPid}; wait`;
      const yaml =
        where === "component"
          ? `components:\n  - id: slow\n    type: shell\n    command: ${command}\n    timeout: 300ms\nworkflow:\n  jobs:\n    - id: sh\n      component: slow\n`
          : shellJob(`command: ${command}\ntimeout: 300ms`);
      const t0 = performance.now();
      const error = await runError(runYaml(yaml));
      expect(error.message).toBe(
        where === "component"
          ? 'job "sh" failed: command timed out after 300 ms and was killed'
          : 'job "sh" timed out after 300 ms',
      );
      // The child sleeps 60 s and the shell waits for it.
      expect(performance.now() - t0).toBeLessThan(15_000);
      const pids = [shPid, childPid].map((f) => Number(readFileSync(f, "utf8").trim()));
      expect(await waitFor(() => pids.every((p) => !alive(p)), 3000)).toBe(true);
    });
  }

  test("a background child that outlives the shell (holding its output) ends with it", async () => {
    const dir = tempDir();
    const childPid = path.join(dir, "child.pid");
    const r = await runYaml(
      `components:\n  - id: bg\n    type: shell\n    command: sleep 30 & echo $! > ${childPid}; echo started\n    timeout: 10s\n` +
        "workflow:\n  component: bg\n",
    );
    expect(r.output).toBe("started\n");
    const pid = Number(readFileSync(childPid, "utf8").trim());
    expect(alive(pid)).toBe(false);
  });

  test("a child that ignores SIGTERM is killed too", async () => {
    const dir = tempDir();
    const childPid = path.join(dir, "child.pid");
    const error = await runError(
      runYaml(shellJob(`command: (trap '' TERM; sleep 60) & echo $! > ${childPid}; wait\ntimeout: 200ms`)),
    );
    expect(error.message).toContain("timed out after 200 ms");
    const pid = Number(readFileSync(childPid, "utf8").trim());
    expect(await waitFor(() => !alive(pid), 5000)).toBe(true);
  });

  test("a command that finishes in time is not affected", async () => {
    const r = await runYaml(shellJob("command: echo fast\ntimeout: 5s"));
    expect(r.output).toBe("fast\n");
  });
});

describe("relative paths", () => {
  test("commands run in the project directory", async () => {
    const dir = tempDir();
    writeFiles(dir, { "data.txt": "from project" });
    const r = await runYaml(shellJob("command: cat data.txt"), {}, { dir });
    expect(r.output).toBe("from project");
  });
});
