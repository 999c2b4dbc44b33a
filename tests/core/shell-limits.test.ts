// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The shell component's limits and large data: separate capture budgets for stdout and
 * stderr, values past the kernel's 128 KiB per environment string, `stdin:`, and the
 * errors that name what is too large and the limit.
 */
import { describe, expect, test } from "bun:test";
import { runError, runYaml } from "./helpers.ts";

function job(fields: string): string {
  return `workflow:\n  component: shell\n${fields.replace(/^/gm, "  ")}\n`;
}

const MiB = 1024 * 1024;

describe("capture budgets", () => {
  test("20 MB of stderr hides nothing of stdout; the cut stream says which limit cut it", async () => {
    const r = await runYaml(
      job(
        "command: head -c 20000000 /dev/zero | tr '\\0' e >&2; echo out\noutput:\n  out: ${stdout}\n  err: ${stderr.length}\n  tail: ${stderr.slice(-90)}",
      ),
    );
    const out = r.output as { out: string; err: number; tail: string };
    expect(out.out).toBe("out\n");
    const marker = "\n[stderr truncated: 20000000 bytes written, the first 16777216 kept (max_stderr_size)]";
    expect(out.err).toBe(16 * MiB + marker.length);
    expect(out.tail.endsWith(marker)).toBe(true);
  });

  test("each budget is set on its own, in bytes or with a unit", async () => {
    const r = await runYaml(
      job(
        "command: printf 0123456789; printf abcdefghij >&2\nmax_stdout_size: 4\nmax_stderr_size: 1k\noutput:\n  out: ${stdout}\n  err: ${stderr}",
      ),
    );
    expect(r.output).toEqual({
      out: "0123\n[stdout truncated: 10 bytes written, the first 4 kept (max_stdout_size)]",
      err: "abcdefghij",
    });
  });

  test("a budget that is not a size is a load error naming the field", async () => {
    const error = await runError(runYaml(job("command: 'true'\nmax_stdout_size: lots")));
    expect(error.message).toContain("max_stdout_size");
    expect(error.message).toContain(
      'expected a size like 512m or 2g (units b, k, m, g, t), found the string "lots"',
    );
  });
});

describe("large values", () => {
  test("a value over the kernel's 128 KiB per environment string reaches a string command intact", async () => {
    const big = `${"x".repeat(300_000)}\n\n`;
    const r = await runYaml(job('command: printf %s "${input.big}" | wc -c\noutput: ${stdout.trim()}'), {
      big,
    });
    expect(r.output).toBe(String(big.length));
  });

  test("many values of 100 KB each (2.5 MB together, past ARG_MAX) all arrive", async () => {
    const input = Object.fromEntries(
      Array.from({ length: 25 }, (_, i) => [`v${i}`, String(i % 10).repeat(100_000)]),
    );
    const refs = Object.keys(input)
      .map((k) => `"\${input.${k}}"`)
      .join(" ");
    const r = await runYaml(job(`command: printf %s ${refs} | wc -c\noutput: \${stdout.trim()}`), input);
    expect(r.output).toBe(String(25 * 100_000));
  });

  test("too large for an env: variable or a list argument: a clear error with the limit", async () => {
    const big = "x".repeat(200_000);
    const env = await runError(runYaml(job("command: 'true'\nenv:\n  BIG: ${input.big}"), { big }));
    expect(env.message).toBe(
      'job "job" failed: env BIG is 200004 bytes, over the kernel\'s limit of 131072 bytes for one argument or environment variable (with its name); pass large data with stdin:',
    );
    const arg = await runError(runYaml(job('command: [printf, "%s", "${input.big}"]'), { big }));
    expect(arg.message).toBe(
      'job "job" failed: command[2] is 200000 bytes, over the kernel\'s limit of 131072 bytes for one argument or environment variable (with its name); pass large data with stdin:',
    );
  });

  test("stdin: passes data of any size to the command's standard input", async () => {
    const data = "line\n".repeat(1_000_000);
    const r = await runYaml(job("command: wc -c\nstdin: ${input.data}\noutput: ${stdout.trim()}"), { data });
    expect(r.output).toBe(String(data.length));
  });

  test("stdin: a map is sent as JSON; a command that does not read it is not an error", async () => {
    const json = await runYaml(job("command: cat\nstdin: ${input}\noutput: ${stdout}"), { a: [1, "two"] });
    expect(JSON.parse(json.output as string)).toEqual({ a: [1, "two"] });
    const ignored = await runYaml(job("command: echo ok\nstdin: ${input.data}\noutput: ${stdout}"), {
      data: "z".repeat(4 * MiB),
    });
    expect(ignored.output).toBe("ok\n");
  });

  test("without stdin:, the command reads nothing", async () => {
    const r = await runYaml(job("command: cat; echo end\noutput: ${stdout}"));
    expect(r.output).toBe("end\n");
  });
});

describe("NUL bytes", () => {
  test("a value with a NUL byte: a short error naming the binding, not the value", async () => {
    const error = await runError(
      runYaml(job("command: echo ${input.x}"), { x: `${"secret ".repeat(50)}\u0000` }),
    );
    expect(error.message).toBe(
      'job "job" failed: the value of ${input.x} contains a NUL byte, which no command can receive',
    );
    const list = await runError(runYaml(job('command: [echo, "${input.x}"]'), { x: "a\u0000b" }));
    expect(list.message).toContain("the value of ${input.x} contains a NUL byte");
  });
});

describe("defaults", () => {
  test("kill_grace defaults to 2 s: a child ignoring SIGTERM is gone soon after a timeout", async () => {
    const { readFileSync } = await import("node:fs");
    const { alive, tempDir, waitFor } = await import("./helpers.ts");
    const f = `${tempDir()}/pid`;
    const error = await runError(
      runYaml(
        `components:\n  - id: c\n    type: shell\n    command: (trap '' TERM; exec sleep 60) & echo $! > ${f}; wait\n    timeout: 200ms\nworkflow:\n  component: c\n`,
      ),
    );
    expect(error.message).toContain("timed out after 200 ms");
    // The component's own timeout waits for its processes: gone when the job fails.
    const pid = Number(readFileSync(f, "utf8").trim());
    expect(await waitFor(() => !alive(pid), 10_000)).toBe(true);
  });
});
