/**
 * isTerminal under Bun, and node:tty's fallback beside it: false for pipes, true for
 * each descriptor on a pseudo-terminal.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const hostModule = path.join(import.meta.dir, "mod.ts");
const typesModule = path.join(import.meta.dir, "types.ts");

test("isTerminal tells a pipe from a pseudo-terminal, descriptor by descriptor", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "is-terminal-"));
  try {
    const program = path.join(dir, "terminal.ts");
    writeFileSync(
      program,
      [
        `import { isTerminal } from ${JSON.stringify(hostModule)};`,
        `import { nodeIsatty } from ${JSON.stringify(typesModule)};`,
        "const fds = [0, 1, 2] as const;",
        "const own = fds.map((fd) => isTerminal(fd));",
        // The fallback must agree, or the answer would depend on which path was taken.
        'if (own.some((t, fd) => t !== nodeIsatty(fd))) console.log("fallback differs");',
        "console.log(JSON.stringify(own));",
      ].join("\n"),
    );
    const piped = Bun.spawnSync([process.execPath, program], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(piped.stdout.toString().trim()).toBe("[false,false,false]");
    expect(piped.stderr.toString()).toBe("");
    // `script` gives the program a pseudo-terminal for all three; stderr alone redirected is not one.
    const onPty = Bun.spawnSync(["script", "-qec", `'${process.execPath}' '${program}'`, "/dev/null"]);
    expect(onPty.stdout.toString()).toContain("[true,true,true]");
    expect(onPty.stdout.toString()).not.toContain("fallback differs");
    const stderrPiped = Bun.spawnSync([
      "script",
      "-qec",
      `'${process.execPath}' '${program}' 2>/dev/null`,
      "/dev/null",
    ]);
    expect(stderrPiped.stdout.toString()).toContain("[true,true,false]");
    expect(stderrPiped.stdout.toString()).not.toContain("fallback differs");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
