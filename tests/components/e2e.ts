/** Running `cli.ts` as a child process on a compose file written to a temporary directory. */
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const repoRoot = path.resolve(import.meta.dir, "../..");

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes `yaml` as model-compose.yml in a fresh temporary directory; returns the file. */
export function composeFile(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "mc-components-"));
  dirs.push(dir);
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
