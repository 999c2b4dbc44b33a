/**
 * The docker runtime's pull/build display as `up` shows it: under a pseudo-terminal
 * (`script`) redrawn in place, through a pipe line by line.
 */
import { describe, expect, test } from "bun:test";
import * as path from "node:path";

const MODULE = path.resolve(import.meta.dir, "../../plugins/runtimes/docker/progress-display.ts");

const script = `
  import { startStep } from ${JSON.stringify(MODULE)};
  const step = await startStep("building app:local from ctx");
  step.line("Step 1/2 : FROM debian:bookworm-slim");
  await Bun.sleep(300);
  step.line("Step 2/2 : RUN false");
  step.end(process.env.OK === "1", process.env.OK === "1" ? "built app:local" : undefined);
`;

async function runScript(terminal: boolean, ok: boolean): Promise<string> {
  const bun = `bun --no-env-file -e '${script.replaceAll("'", "'\\''")}'`;
  const argv = terminal
    ? ["script", "-qec", `stty rows 20 cols 100; ${bun}`, "/dev/null"]
    : ["sh", "-c", `${bun} 2>&1`];
  const proc = Bun.spawn(argv, {
    env: { ...process.env, TERM: "xterm-256color", OK: ok ? "1" : "0" },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [out] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return out;
}

describe("startStep", () => {
  test("on a terminal: redrawn in place, then the summary line", async () => {
    const out = await runScript(true, true);
    expect(out).toContain("\u001b[");
    expect(out).toContain("building app:local from ctx (");
    expect(out).toContain("Step 2/2 : RUN false");
    expect(out.trimEnd()).toEndWith("built app:local");
  });

  test("on a terminal, a failed step leaves its last output lines", async () => {
    const out = await runScript(true, false);
    const after = out.slice(out.lastIndexOf("\u001b["));
    expect(after).toContain("  Step 1/2 : FROM debian:bookworm-slim\r\n  Step 2/2 : RUN false");
  });

  test("piped: every line as it comes, no control codes", async () => {
    const out = await runScript(false, true);
    expect(out).toBe(
      "building app:local from ctx\n  Step 1/2 : FROM debian:bookworm-slim\n  Step 2/2 : RUN false\nbuilt app:local\n",
    );
  });
});
