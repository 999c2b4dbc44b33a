/**
 * Both spawns behind `Host.spawn` (Bun's, and node:child_process for Deno) keep one
 * contract: output as it comes, standard input written then closed, the exit code or the
 * signal, a start failure as a rejection with the system's code, and `closed` after
 * whatever holds the output streams open.
 */
import { describe, expect, test } from "bun:test";
import { bunSpawn } from "./bun-spawn.ts";
import { nodeSpawn } from "./node-spawn.ts";
import type { SpawnOptions } from "./types.ts";

async function run(spawn: typeof bunSpawn, argv: string[], extra: Partial<SpawnOptions> = {}) {
  const out = { stdout: "", stderr: "" };
  const decoder = new TextDecoder();
  const child = await spawn({
    argv,
    cwd: "/tmp",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GREETING: "hello" },
    onOutput: (stream, chunk) => {
      out[stream] += decoder.decode(chunk);
    },
    ...extra,
  });
  const [exit] = await Promise.all([child.exited, child.closed]);
  return { ...exit, ...out, pid: child.pid };
}

for (const [name, spawn] of [
  ["Bun.spawn", bunSpawn],
  ["node:child_process", nodeSpawn],
] as const) {
  describe(name, () => {
    test("both output streams, the environment given and the working directory", async () => {
      const r = await run(spawn, ["sh", "-c", 'echo "$GREETING from $(pwd)"; echo oops >&2']);
      expect(r).toMatchObject({ code: 0, signal: null, stdout: "hello from /tmp\n", stderr: "oops\n" });
      expect(r.pid).toBeGreaterThan(0);
    });

    test("standard input is written and closed; without it the process reads nothing", async () => {
      const big = "x".repeat(1_000_000);
      expect((await run(spawn, ["wc", "-c"], { stdin: big })).stdout.trim()).toBe("1000000");
      expect((await run(spawn, ["wc", "-c"])).stdout.trim()).toBe("0");
      // A command that never reads its input is no error.
      expect((await run(spawn, ["true"], { stdin: big })).code).toBe(0);
    });

    test("an exit code, and the signal that ended a process", async () => {
      expect((await run(spawn, ["sh", "-c", "exit 7"])).code).toBe(7);
      expect(await run(spawn, ["sh", "-c", "kill -TERM $$"])).toMatchObject({
        code: null,
        signal: "SIGTERM",
      });
    });

    test("the process leads a session of its own", async () => {
      const r = await run(spawn, ["sh", "-c", "ps -o sid= -p $$"]);
      expect(Number(r.stdout.trim())).toBe(r.pid);
    });

    test("a program that does not exist rejects with ENOENT", async () => {
      const error = await run(spawn, ["no-such-program-mc"]).catch((e) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe("ENOENT");
    });

    test("closed waits for a background child that holds the output open", async () => {
      const child = await spawn({
        argv: ["sh", "-c", "sleep 2 & echo started"],
        cwd: "/tmp",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        onOutput: () => {},
      });
      let closed = false;
      child.closed.then(() => {
        closed = true;
      });
      expect((await child.exited).code).toBe(0);
      expect(closed).toBe(false);
      await child.closed;
    });
  });
}
