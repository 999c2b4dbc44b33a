/**
 * `Host.spawn` through node:child_process, for runtimes without a spawn of their own
 * (Deno, and Node importing the library). The module is taken when first needed, so
 * loading this file costs nothing on Bun.
 */
import type { SpawnedProcess, SpawnOptions } from "./types.ts";

const childProcess = () =>
  process.getBuiltinModule("node:child_process") as typeof import("node:child_process");

export function nodeSpawn(o: SpawnOptions): Promise<SpawnedProcess> {
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn(o.argv[0], o.argv.slice(1), {
      cwd: o.cwd,
      env: o.env,
      detached: true,
      stdio: [o.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Uint8Array) => o.onOutput("stdout", chunk));
    child.stderr?.on("data", (chunk: Uint8Array) => o.onOutput("stderr", chunk));
    if (child.stdin) {
      // A command that does not read its input closes the pipe early: not an error.
      child.stdin.on("error", () => {});
      child.stdin.end(o.stdin);
    }
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
      child.on("exit", (code, signal) => done({ code, signal })),
    );
    const closed = new Promise<void>((done) => child.on("close", () => done()));
    // Before "spawn", an error means the process never started; later ones are the exit's.
    child.on("error", reject);
    child.on("spawn", () => resolve({ pid: child.pid as number, exited, closed }));
  });
}
