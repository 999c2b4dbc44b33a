/**
 * Temporary projects for tests, shared by the Bun and Deno suites (node: APIs only).
 * What was made is removed by `removeTempDirs()`: after all Bun tests by the hook in
 * tests/support/bun-preload.ts, and by the Deno suite's own cleanup.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const made: string[] = [];

/** A fresh temporary directory, removed by the next `removeTempDirs()`. */
export function tempDir(prefix = "mc-test-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory `tempDir` made since the last call. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes `files` (relative path -> text) under `dir`, creating parent directories. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

/** A temporary project with `model-compose.yml` holding `yaml`; returns its directory. */
export function project(yaml: string, extra: Record<string, string> = {}): string {
  const dir = tempDir();
  writeFiles(dir, { "model-compose.yml": yaml, ...extra });
  return dir;
}
