/** Running `cli.ts` as a child process on a compose file written to a temporary directory. */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { tempDir } from "../support/files.ts";

export const repoRoot = path.resolve(import.meta.dir, "../..");

/** Writes `yaml` as model-compose.yml in a fresh temporary directory; returns the file. */
export function composeFile(yaml: string): string {
  const dir = tempDir("mc-components-");
  const file = path.join(dir, "model-compose.yml");
  writeFileSync(file, yaml);
  return file;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `bun cli.ts <args>` with the given extra environment; collects its output. */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const proc = Bun.spawn(["bun", "--no-env-file", path.join(repoRoot, "cli.ts"), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
