/**
 * `Host.spawn` through Bun.spawn, which starts a process without Node's compatibility
 * layer: in the compiled binary a shell job's cost over a logger job went from 9.6 to
 * 5.7 ms with it (alternated medians; docs/benchmarks.md, Start-up).
 */
import type { SpawnedProcess, SpawnOptions } from "./types.ts";

/** The part of Bun.spawn used here, typed so this file also checks without Bun's types. */
interface BunSubprocess {
  readonly pid: number;
  readonly exited: Promise<number>;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
}

interface BunSpawn {
  spawn(
    argv: string[],
    options: {
      cwd: string;
      env: Record<string, string>;
      detached: boolean;
      stdin: "ignore" | Uint8Array;
      stdout: "pipe";
      stderr: "pipe";
    },
  ): BunSubprocess;
}

const bun = () => (globalThis as unknown as { Bun: BunSpawn }).Bun;

async function pump(
  stream: ReadableStream<Uint8Array>,
  name: "stdout" | "stderr",
  onOutput: SpawnOptions["onOutput"],
): Promise<void> {
  for await (const chunk of stream) onOutput(name, chunk);
}

export async function bunSpawn(o: SpawnOptions): Promise<SpawnedProcess> {
  // Throws when the process cannot start; being async, this rejects instead.
  const proc = bun().spawn([...o.argv], {
    cwd: o.cwd,
    env: o.env,
    detached: true,
    // Bun writes it and closes the pipe; a command that does not read it is no error.
    stdin: o.stdin === undefined ? "ignore" : new TextEncoder().encode(o.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    pid: proc.pid,
    exited: proc.exited.then(() => ({ code: proc.exitCode, signal: proc.signalCode })),
    closed: Promise.all([
      pump(proc.stdout, "stdout", o.onOutput),
      pump(proc.stderr, "stderr", o.onOutput),
    ]).then(() => {}),
  };
}
