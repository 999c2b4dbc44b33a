#!/usr/bin/env -S bun --no-env-file
/**
 * The model-compose command line: parses argv, hands the work to the core, prints, and
 * exits with 0 (success), 1 (a run failed) or 2 (usage or configuration).
 * `--version` answers before anything else loads; every command imports only what it
 * needs, so start-up stays short.
 */
import { writeStdout } from "./runtime/cli/stdio.ts";
import { versionLine } from "./runtime/version.ts";

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    // Not process.stdout: building it loads node's streams, most of this command's time.
    writeStdout(`${versionLine()}\n`);
    return 0;
  }
  const [{ runCli }, { builtinComposition }] = await Promise.all([
    import("./runtime/cli/program.ts"),
    import("./composition.ts"),
  ]);
  return runCli(argv, builtinComposition);
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
