/** Facts about the running executable: compiled binary or source, and how to run it again. */

/** Root of the compiled binary's embedded file system (see scripts/build.ts). */
export const EMBEDDED_ROOT = "/$bunfs/root";

export function isCompiledBinary(): boolean {
  return typeof Bun !== "undefined" && (Bun.main.startsWith(`${EMBEDDED_ROOT}/`) || Bun.main.startsWith("B:/~BUN/"));
}

/** argv that re-runs this program: the compiled binary, or Bun with the source entry. */
export function selfCommand(): string[] {
  return isCompiledBinary() ? [process.execPath] : [process.execPath, "--no-env-file", Bun.main];
}
