// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The command line itself, through the real CLI: repeatable options keep their order on
 * both sides of the command, values reach the command exactly as typed, and every usage
 * mistake exits 2 with one `error:` line and a hint on stderr, and nothing on stdout.
 */
import { describe, expect, test } from "bun:test";
import * as path from "node:path";
import { project, runCli, writeFiles } from "./helpers.ts";

/** A project whose default workflow outputs its input unchanged. */
const ECHO = "workflow:\n  component: logger\n  input: ${input}\n";

function echoProject(): string {
  return project(ECHO);
}

/**
 * A base file and two more: each adds something of its own (a's host, b's workflow), and
 * both set the controller's port, so the port tells which came last.
 */
function layered(): { base: string; a: string; b: string } {
  const dir = project(ECHO);
  writeFiles(dir, {
    "a.yml": "controller:\n  host: 127.0.0.7\n  port: 1111\n",
    "b.yml": "controller:\n  port: 2222\nworkflows:\n  - id: from-b\n    component: logger\n",
  });
  return {
    base: path.join(dir, "model-compose.yml"),
    a: path.join(dir, "a.yml"),
    b: path.join(dir, "b.yml"),
  };
}

/** The merged document `config --format json` prints: host, port and workflow ids. */
async function merged(args: string[]): Promise<{ host: string; port: number; workflows: string[] }> {
  const r = await runCli(args);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout);
  return { ...doc.controller, workflows: doc.workflows.map((w: { id: string }) => w.id) };
}

/** A usage mistake: exit 2, nothing on stdout, `error: <message>` and the hint on stderr. */
async function usageError(args: string[]): Promise<string> {
  const r = await runCli(args, { cwd: echoProject() });
  expect(r.stdout).toBe("");
  expect(r.code).toBe(2);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(2);
  expect(lines[0]).toStartWith("error: ");
  expect(lines[1]).toBe("(run with --help for usage)");
  return lines[0].slice("error: ".length);
}

describe("repeatable options", () => {
  test("-f files merge in the order given", async () => {
    const { base, a, b } = layered();
    const all = { host: "127.0.0.7", workflows: ["default", "from-b"] };
    const ab = await merged(["-f", base, "-f", a, "-f", b, "config", "--format", "json"]);
    expect(ab).toEqual({ ...all, port: 2222 });
    const ba = await merged(["-f", base, "-f", b, "-f", a, "config", "--format", "json"]);
    expect(ba).toEqual({ ...all, port: 1111 });
  });

  test("global options after the command keep their place after those before it", async () => {
    const { base, a, b } = layered();
    const all = { host: "127.0.0.7", workflows: ["default", "from-b"] };
    const split = await merged(["-f", base, "--file", a, "config", "--format=json", "-f", b]);
    expect(split).toEqual({ ...all, port: 2222 });
    const after = await merged(["config", "-f", base, "-f", b, "--format", "json", `--file=${a}`]);
    expect(after).toEqual({ ...all, port: 1111 });
    const before = await merged(["-f", base, "-f", b, `--file=${a}`, "config", "--format", "json"]);
    expect(before).toEqual({ ...all, port: 1111 });
  });

  test("-e is repeatable and wins over the process, before or after the command", async () => {
    const dir = project('workflow:\n  component: logger\n  input: "${env.MC_A}-${env.MC_B}"\n');
    const r = await runCli(["-e", "MC_A=007", "run", "--env", "MC_B=0x10"], {
      cwd: dir,
      env: { MC_A: "process", MC_B: "process" },
    });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toBe("007-0x10");
  });
});

describe("values reach the command as typed", () => {
  test("-i 007 is the text 007, which is not JSON", async () => {
    const r = await runCli(["run", "-i", "007"], { cwd: echoProject() });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toStartWith("--input: not valid JSON");
  });

  test("--input=0x10 is the text 0x10, which is not JSON", async () => {
    const r = await runCli(["run", "--input=0x10"], { cwd: echoProject() });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toStartWith("--input: not valid JSON");
  });

  test("JSON with number-like strings, in both forms, comes through unchanged", async () => {
    const dir = echoProject();
    const spaced = await runCli(["run", "-i", '{"code":"007","n":1.50}'], { cwd: dir });
    expect(spaced.code).toBe(0);
    expect(JSON.parse(spaced.stdout)).toEqual({ code: "007", n: 1.5 });
    const inline = await runCli(["run", '--input=["0x10", "=", 2]'], { cwd: dir });
    expect(inline.code).toBe(0);
    expect(JSON.parse(inline.stdout)).toEqual(["0x10", "=", 2]);
  });

  test("a value may start with a dash", async () => {
    const r = await runCli(["run", "-i", "-5"], { cwd: echoProject() });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toBe(-5);
  });

  test("an option's value is never taken for an option or a command", async () => {
    const r = await runCli(["run", "-i", '"--help"'], { cwd: echoProject() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toBe("--help");
    const dir = echoProject();
    writeFiles(dir, { run: ECHO.replace("${input}", "from-the-file-named-run") });
    const named = await runCli(["-f", "run", "run"], { cwd: dir });
    expect(named.code).toBe(0);
    expect(JSON.parse(named.stdout)).toBe("from-the-file-named-run");
  });

  test("the workflow argument selects the workflow", async () => {
    const dir = project(
      "workflows:\n  - id: one\n    component: logger\n    input: one\n  - id: two\n    component: logger\n    input: two\n",
    );
    const r = await runCli(["run", "two"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toBe("two");
  });
});

describe("usage errors", () => {
  test("an unknown option is named, after or before the command", async () => {
    expect(await usageError(["run", "--no-such-option"])).toBe("unknown option '--no-such-option'");
    expect(await usageError(["--no-such-option", "run"])).toBe("unknown option '--no-such-option'");
    expect(await usageError(["up", "-x"])).toBe("unknown option '-x'");
  });

  test("a misspelt option gets a suggestion", async () => {
    expect(await usageError(["run", "--inptu", "{}"])).toBe(
      "unknown option '--inptu' (did you mean '--input'?)",
    );
  });

  test("a command's option before the command is unknown there", async () => {
    expect(await usageError(["-i", "{}", "run"])).toBe("unknown option '-i'");
  });

  test("an unknown command is named, with a suggestion when one is close", async () => {
    expect(await usageError(["bogus"])).toBe("unknown command 'bogus'");
    expect(await usageError(["rnu"])).toBe("unknown command 'rnu' (did you mean 'run'?)");
    expect(await usageError(["help", "confg"])).toBe("unknown command 'confg' (did you mean 'config'?)");
  });

  test("--format accepts only its choices", async () => {
    expect(await usageError(["config", "--format", "xml"])).toBe(
      "option '--format <format>' argument 'xml' is invalid. Allowed choices are yaml, json.",
    );
    expect(await usageError(["config", "--format=JSON"])).toContain("Allowed choices are yaml, json.");
  });

  test("a missing option value names the option", async () => {
    expect(await usageError(["run", "-i"])).toBe("option '-i, --input <json>' argument missing");
    expect(await usageError(["run", "-f"])).toBe("option '-f, --file <file>' argument missing");
  });

  test("a flag given a value is refused", async () => {
    expect(await usageError(["--verbose=yes", "run"])).toBe("option '-v, --verbose' does not take a value");
  });

  test("too many arguments", async () => {
    expect(await usageError(["run", "a", "b"])).toBe(
      "too many arguments for 'run'. Expected 1 argument but got 2: a, b.",
    );
    expect(await usageError(["down", "now"])).toBe(
      "too many arguments for 'down'. Expected 0 arguments but got 1: now.",
    );
  });

  test("no command: the help on stderr, exit 2, nothing on stdout", async () => {
    const r = await runCli(["-v"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toStartWith("Usage: model-compose [options] [command]\n");
  });
});

describe("help and version", () => {
  test("--help prints the program's usage on stdout and exits 0", async () => {
    for (const flag of ["--help", "-h"]) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toStartWith("Usage: model-compose [options] [command]\n");
      for (const command of ["up", "down", "start", "stop", "run", "config", "health"]) {
        expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
      }
      expect(r.stdout).toContain("-f, --file <file>");
    }
  });

  test("run --help describes run, and wins over other mistakes on the line", async () => {
    for (const args of [
      ["run", "--help"],
      ["help", "run"],
      ["-f", "x.yml", "run", "--bogus", "-h"],
    ]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toStartWith("Usage: model-compose run [options] [workflow]\n");
      expect(r.stdout).toContain("-i, --input <json>");
      expect(r.stdout).toContain("-o, --output <file>");
      expect(r.stdout).toContain("Global options:");
    }
  });

  test("command help shows choices and defaults", async () => {
    const config = await runCli(["config", "--help"]);
    expect(config.stdout).toMatch(
      /--format <format> +output format \(choices: "yaml", "json", default:\s+"yaml"\)/,
    );
    const health = await runCli(["health", "-h"]);
    expect(health.stdout).toMatch(/--timeout <ms> +how long to wait \(default: "3000"\)/);
  });

  test("-V and --version print the version anywhere on the line", async () => {
    for (const args of [["-V"], ["--version"], ["run", "-V"], ["-f", "x.yml", "config", "--version"]]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^model-compose \d+\.\d+\.\d+ \(\w+\)\n$/);
    }
  });
});
