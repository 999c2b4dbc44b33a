/** isTerminal under Bun: false for pipes, true for each descriptor on a pseudo-terminal. */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const hostModule = path.join(import.meta.dir, "mod.ts");

test("isTerminal tells a pipe from a pseudo-terminal, descriptor by descriptor", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "is-terminal-"));
  try {
    const program = path.join(dir, "terminal.ts");
    writeFileSync(
      program,
      `import { isTerminal } from ${JSON.stringify(hostModule)};\nconsole.log(JSON.stringify([isTerminal(0), isTerminal(1), isTerminal(2)]));\n`,
    );
    const piped = Bun.spawnSync([process.execPath, program], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(piped.stdout.toString().trim()).toBe("[false,false,false]");
    // `script` gives the program a pseudo-terminal for all three; stderr alone redirected is not one.
    const onPty = Bun.spawnSync(["script", "-qec", `'${process.execPath}' '${program}'`, "/dev/null"]);
    expect(onPty.stdout.toString()).toContain("[true,true,true]");
    const stderrPiped = Bun.spawnSync([
      "script",
      "-qec",
      `'${process.execPath}' '${program}' 2>/dev/null`,
      "/dev/null",
    ]);
    expect(stderrPiped.stdout.toString()).toContain("[true,true,false]");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
