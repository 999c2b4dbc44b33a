/**
 * `run`'s progress display: a live job list on a terminal's stderr (run under a real
 * pseudo-terminal with util-linux `script`), nothing when stderr is piped, lines with
 * `--progress plain`; the result on stdout stays clean JSON in every case.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { baseEnv, cliPath, project, runCli } from "./helpers.ts";

const YAML = `workflow:
  jobs:
    - id: fetch
      component: shell
      command: echo step 1; sleep 0.4; echo step 2
    - id: transform
      component: shell
      command: echo '{"ok":true}'
      output: \${output as json}
`;

const FAILING = `workflow:
  jobs:
    - id: first
      component: shell
      command: echo fine
    - id: broken
      component: shell
      command: echo nope >&2; exit 3
    - id: never
      component: shell
      command: echo never
`;

const ESC = "\u001b[";

/** Runs `run ARGS` with stderr on a pseudo-terminal and stdout to a file; returns both. */
async function underTerminal(
  dir: string,
  args: string[],
): Promise<{ code: number; terminal: string; stdout: string }> {
  const out = path.join(dir, "stdout.json");
  const quoted = ["bun", "--no-env-file", cliPath, "run", ...args].map(
    (a) => `'${a.replaceAll("'", "'\\''")}'`,
  );
  // A pty made by `script` has no size until one is set; 0 rows would show nothing.
  const command = `stty rows 40 cols 120; ${quoted.join(" ")} > '${out}'`;
  const proc = Bun.spawn(["script", "-qec", command, "/dev/null"], {
    cwd: dir,
    // A user's colour terminal. Without CI, FORCE_COLOR and NO_COLOR from the test's own
    // environment: with CI set, Node's colour detection (stream.hasColors) answers no.
    env: baseEnv({ TERM: "xterm-256color", CI: undefined, FORCE_COLOR: undefined, NO_COLOR: undefined }),
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [terminal, , code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, terminal, stdout: readFileSync(out, "utf8") };
}

/** The screen's last state, roughly: escape codes dropped, last drawn line per job. */
function plainText(terminal: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing terminal escape codes
  return terminal.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replaceAll("\r", "");
}

describe("run's progress", () => {
  test("on a terminal: a live job list on stderr, the JSON result alone on stdout", async () => {
    const dir = project(YAML);
    const r = await underTerminal(dir, []);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true });
    expect(r.terminal).toContain(ESC);
    const text = plainText(r.terminal);
    expect(text).toMatch(/fetch\s+running/);
    expect(text).toMatch(/transform\s+waiting/);
    expect(text).toMatch(/fetch\s+done \d+(ms|\.\ds)/);
    expect(text).toMatch(/transform\s+done \d+(ms|\.\ds)/);
    // The last line a running job printed shows beside it.
    expect(text).toContain("step 1");
    // The result (indented JSON) went to stdout, not to the terminal.
    expect(text).not.toContain('"ok": true');
  });

  test("on a terminal, a failing run: the failed job in red with its reason, the rest cancelled", async () => {
    const dir = project(FAILING);
    const r = await underTerminal(dir, []);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ error: 'job "broken" failed: command exited with code 3: nope' });
    expect(r.terminal).toContain(`${ESC}31mfailed`);
    const text = plainText(r.terminal);
    expect(text).toMatch(
      /broken\s+failed \d+(ms|\.\ds)\s+job "broken" failed: command exited with code 3: nope/,
    );
    expect(text).toMatch(/never\s+cancelled/);
    expect(text).toContain('error: job "broken" failed');
  });

  test("on a terminal, a workflow of many jobs: frames that fit the screen, the others counted", async () => {
    const jobs = Array.from(
      { length: 1000 },
      (_, i) =>
        `    - id: j${i}\n      component: logger\n      input: \${${i === 0 ? "input" : `jobs.j${i - 1}.output`}}\n`,
    );
    const dir = project(`logger: { type: console, level: warning }\nworkflow:\n  jobs:\n${jobs.join("")}`);
    const r = await underTerminal(dir, ["-i", '{"n": 1}']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ n: 1 });
    const text = plainText(r.terminal);
    expect(text).toContain("j999  done");
    expect(text).toMatch(/… 9\d\d more: 9\d\d done/);
    // A frame as tall as the screen, not a line per job for each of the 2000 job events.
    expect(r.terminal.length).toBeLessThan(40 * 1000);
  });

  test("--progress none on a terminal shows no job list", async () => {
    const dir = project(YAML);
    const r = await underTerminal(dir, ["--progress", "none"]);
    expect(r.code).toBe(0);
    expect(plainText(r.terminal)).not.toContain("fetch");
  });

  test("piped: stderr has no progress and no escape codes", async () => {
    const dir = project(FAILING);
    const r = await runCli(["run"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("\u001b");
    expect(r.stderr).toBe('error: job "broken" failed: command exited with code 3: nope\n');
  });

  test("--progress plain: a line per change, no escape codes, stdout untouched", async () => {
    const dir = project(FAILING);
    const r = await runCli(["run", "--progress", "plain"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("\u001b");
    const lines = r.stderr.split("\n").map((l) => l.replace(/ in \d+(ms|\.\ds)/, " in T"));
    expect(lines).toEqual([
      "first: running",
      "first: done in T",
      "broken: running",
      'broken: failed in T: job "broken" failed: command exited with code 3: nope',
      "never: cancelled",
      "run failed in T",
      'error: job "broken" failed: command exited with code 3: nope',
      "",
    ]);
    expect(JSON.parse(r.stdout)).toEqual({ error: 'job "broken" failed: command exited with code 3: nope' });
  });

  test("--progress takes only plain, tty or none", async () => {
    const r = await runCli(["run", "--progress", "fancy"], { cwd: project(YAML) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "option '--progress <mode>' argument 'fancy' is invalid. Allowed choices are plain, tty, none.",
    );
  });
});
