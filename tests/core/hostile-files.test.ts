/**
 * Compose files that would exhaust memory or hang the loader: an alias bomb, a device,
 * a FIFO, a file over the size limit. Each ends in exit 2 with an error that names the
 * file and, for a limit, the environment variable that sets it.
 */
import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { errorLines, project, runCli, tempDir, writeFiles } from "./helpers.ts";

/** 446 bytes whose aliases expand to 9^10 (3.5 billion) strings. */
function aliasBomb(): string {
  const lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(",")}]`,
    );
  return `${lines.join("\n")}\n`;
}

const workflow = "workflow:\n  component: shell\n  command: echo hi\n";

/**
 * Runs the CLI through a small Bun process that reports the CLI's peak memory (bytes)
 * beside its result. Measured from the test runner itself, a child's peak would start
 * at the runner's own size: Bun spawns children with vfork, and the kernel counts the
 * parent's pages to the child until it execs — after a few hundred tests that alone is
 * ~400 MB.
 */
async function runMeasured(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const measure = `
    const child = Bun.spawn(JSON.parse(process.env.MC_ARGV), { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited,
    ]);
    console.log(JSON.stringify({ code, stdout, stderr, maxRSS: child.resourceUsage()?.maxRSS ?? 0 }));
  `;
  const argv = ["bun", "--no-env-file", path.resolve(import.meta.dir, "../../cli.ts"), ...args];
  const proc = Bun.spawn(["bun", "--no-env-file", "-e", measure], {
    env: { ...process.env, ...env, MC_ARGV: JSON.stringify(argv) },
    // The CLI inherits it from the measuring process.
    cwd,
    stdout: "pipe",
    stderr: "inherit",
    stdin: "ignore",
  });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  return JSON.parse(out) as { code: number; stdout: string; stderr: string; maxRSS: number };
}

describe("hostile compose files", () => {
  test("an alias bomb stops at the alias limit, in bounded memory", async () => {
    const dir = project(aliasBomb());
    const file = path.join(dir, "model-compose.yml");
    for (const command of ["config", "run"]) {
      const r = await runMeasured(["-f", file, command]);
      expect(r.code).toBe(2);
      const lines = errorLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^error: ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:\\d+:\\d+: .*YAML aliases here expand to more than 10000 values \\(the limit MODEL_COMPOSE_MAX_ALIAS_VALUES\\)`,
        ),
      );
      // maxRSS is in bytes: well under what the expansion would take (7 GB before the limit).
      expect(r.maxRSS).toBeGreaterThan(0);
      expect(r.maxRSS).toBeLessThan(400 * 1024 * 1024);
    }
  });

  test("the alias limit is set by MODEL_COMPOSE_MAX_ALIAS_VALUES", async () => {
    // Two aliases of a 3-item list: 2 lists + 6 strings = 8 values from aliases.
    const dir = project(`${workflow}  input:\n    base: &b [x, y, z]\n    one: *b\n    two: *b\n`);
    const file = path.join(dir, "model-compose.yml");
    const ok = await runCli(["-f", file, "config"], { env: { MODEL_COMPOSE_MAX_ALIAS_VALUES: "8" } });
    expect(ok.code).toBe(0);
    const over = await runCli(["-f", file, "config"], { env: { MODEL_COMPOSE_MAX_ALIAS_VALUES: "7" } });
    expect(over.code).toBe(2);
    expect(errorLines(over.stderr)).toEqual([
      `error: ${file}:7:10: workflow.input.two[2]: YAML aliases here expand to more than 7 values (the limit MODEL_COMPOSE_MAX_ALIAS_VALUES); each alias is a copy of what it names, so nested aliases multiply`,
    ]);
  });

  test("deep nesting stops at the depth limit, in flow and block style, quickly and in bounded memory", async () => {
    const flow = (n: number) => `${workflow}  input: ${"[".repeat(n)}${"]".repeat(n)}\n`;
    // The document, `workflow:` and 98 lists are 100 levels: the limit.
    const ok = project(flow(98));
    expect((await runCli(["-f", path.join(ok, "model-compose.yml"), "config"])).code).toBe(0);
    // 7 000 levels in 14 KB took 32 s and 2 GB to print before the limit; 20 000 overflowed the parser's stack.
    for (const n of [99, 7000, 20_000]) {
      const dir = project(flow(n));
      const file = path.join(dir, "model-compose.yml");
      const r = await runMeasured(["-f", file, "config"]);
      expect(r.code).toBe(2);
      const [line, ...rest] = errorLines(r.stderr);
      expect(rest).toEqual([]);
      expect(line).toMatch(
        n < 10_000
          ? /^error: .*model-compose\.yml:4:\d+: workflow\.input(\[0\])*: maps and lists here are nested more than 100 levels deep \(the limit MODEL_COMPOSE_MAX_YAML_DEPTH\)$/
          : /^error: .*model-compose\.yml:4:\d+: invalid YAML: the text is nested too deeply to be read; maps and lists may nest at most 100 levels \(MODEL_COMPOSE_MAX_YAML_DEPTH\)$/,
      );
      expect(r.maxRSS).toBeLessThan(400 * 1024 * 1024);
    }
    // Block style is read by the native parser; it is held to the same limit.
    const block = ["workflow:", "  component: shell", "  command: echo", "  input:"];
    for (let i = 0; i < 120; i++) block.push(`${"  ".repeat(i + 2)}k:`);
    block.push(`${"  ".repeat(122)}v: 1`);
    const dir = project(`${block.join("\n")}\n`);
    const file = path.join(dir, "model-compose.yml");
    const refused = await runCli(["-f", file, "config"]);
    expect(refused.code).toBe(2);
    expect(errorLines(refused.stderr)).toEqual([
      `error: ${file}:103:201: workflow.input${".k".repeat(98)}: maps and lists here are nested more than 100 levels deep (the limit MODEL_COMPOSE_MAX_YAML_DEPTH)`,
    ]);
    const raised = await runCli(["-f", file, "config"], { env: { MODEL_COMPOSE_MAX_YAML_DEPTH: "200" } });
    expect(raised.code).toBe(0);
  });

  test("devices are refused before anything is read", async () => {
    for (const device of ["/dev/zero", "/dev/urandom", "/dev/null"]) {
      const r = await runMeasured(["-f", device, "config"]);
      expect(r.code).toBe(2);
      expect(errorLines(r.stderr)).toEqual([
        `error: compose file ${device} is a character device; a compose file must be a regular file`,
      ]);
      expect(r.maxRSS).toBeLessThan(400 * 1024 * 1024);
    }
  });

  test("a FIFO is refused without waiting for a writer, named with -f or found by its default name", async () => {
    const dir = tempDir();
    const fifo = path.join(dir, "model-compose.yml");
    execFileSync("mkfifo", [fifo]);
    const named = await runCli(["-f", fifo, "run"]);
    expect(named.code).toBe(2);
    const message = `compose file ${fifo} is a FIFO (named pipe); a compose file must be a regular file`;
    expect(errorLines(named.stderr)).toEqual([`error: ${message}`]);
    expect(JSON.parse(named.stdout)).toEqual({ error: message });
    const found = await runCli(["config"], { cwd: dir });
    expect(found.code).toBe(2);
    expect(errorLines(found.stderr)).toEqual([`error: ${message}`]);
  });

  test("env files are held to the same rules: --env-file /dev/zero, a FIFO, a .env over the limit", async () => {
    const dir = project(workflow);
    const fifo = path.join(dir, "vars.env");
    execFileSync("mkfifo", [fifo]);
    const zero = await runMeasured(["--env-file", "/dev/zero", "config"], {}, dir);
    expect(zero.code).toBe(2);
    expect(errorLines(zero.stderr)).toEqual([
      "error: env file /dev/zero is a character device; an env file must be a regular file",
    ]);
    const piped = await runCli(["--env-file", "vars.env", "config"], { cwd: dir });
    expect(piped.code).toBe(2);
    expect(errorLines(piped.stderr)).toEqual([
      "error: env file vars.env is a FIFO (named pipe); an env file must be a regular file",
    ]);
    writeFiles(dir, { ".env": "A=1\nB=2\n" });
    const big = await runCli(["config"], { cwd: dir, env: { MODEL_COMPOSE_MAX_FILE_BYTES: "5" } });
    expect(big.code).toBe(2);
    expect(errorLines(big.stderr)).toEqual([
      "error: env file .env is 8 bytes, over the limit of 5 bytes (MODEL_COMPOSE_MAX_FILE_BYTES)",
    ]);
  });

  test("a file over the size limit is refused, naming the limit; the limit is configurable", async () => {
    const dir = project(`${workflow}# ${"x".repeat(4 * 1024 * 1024)}\n`);
    const file = path.join(dir, "model-compose.yml");
    const size = Bun.file(file).size;
    const r = await runCli(["-f", file, "config"]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      `error: compose file ${file} is ${size} bytes, over the limit of 4194304 bytes (MODEL_COMPOSE_MAX_FILE_BYTES)`,
    ]);
    const raised = await runCli(["-f", file, "config"], {
      env: { MODEL_COMPOSE_MAX_FILE_BYTES: String(size) },
    });
    expect(raised.code).toBe(0);

    writeFiles(dir, { "small.yml": workflow });
    const small = path.join(dir, "small.yml");
    const lowered = await runCli(["-f", small, "run"], { env: { MODEL_COMPOSE_MAX_FILE_BYTES: "10" } });
    expect(lowered.code).toBe(2);
    expect(errorLines(lowered.stderr)).toEqual([
      `error: compose file ${small} is ${workflow.length} bytes, over the limit of 10 bytes (MODEL_COMPOSE_MAX_FILE_BYTES)`,
    ]);
  });

  test("a limit that is not a whole number is refused, naming the variable", async () => {
    const dir = project(workflow);
    for (const value of ["0", "-1", "1e6", "lots"]) {
      const r = await runCli(["config"], { cwd: dir, env: { MODEL_COMPOSE_MAX_FILE_BYTES: value } });
      expect(r.code).toBe(2);
      expect(errorLines(r.stderr)).toEqual([
        `error: environment variable MODEL_COMPOSE_MAX_FILE_BYTES must be a whole number of at least 1, found "${value}"`,
      ]);
    }
  });
});
