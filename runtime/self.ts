/** Facts about the running executable: compiled binary or source, and how to run it again. */

/**
 * Root of the compiled binary's embedded file system (see scripts/build.ts);
 * `isCompiledBinary()` and `selfCommand()` (argv that re-runs this program) are the
 * runtime's answers (runtime/host/).
 */
export { EMBEDDED_ROOT, isCompiledBinary, selfCommand } from "./host/mod.ts";
