/** `model-compose config`: the merged, validated, env-resolved document. */
import { deferredFieldPaths } from "../compose/deferred-paths.ts";
import { resolveEnvStrings } from "../compose/env-resolve.ts";
import { printYaml } from "../compose/yaml-print.ts";
import type { Composition } from "../composition.ts";
import { type GlobalOptions, loadFromOptions } from "./common.ts";
import { writeStderr, writeStdout } from "./stdio.ts";

export async function configCommand(
  opts: GlobalOptions & { format?: string },
  composition: Composition,
): Promise<number> {
  const project = await loadFromOptions(opts, composition);
  for (const w of project.warnings) writeStderr(`warning: ${w}\n`);
  // The document as written, not the validated one: `30s` must stay `30s` (a printed
  // 30000 would read back as 30000 seconds).
  const copy = structuredClone(project.written);
  // Escaped, so a literal `$${HOME}` next to a resolved `${env.X}` prints as `$${HOME}` again.
  // Fields a plugin renders itself (the shell's command) keep their `${env.X}`: resolved
  // into the text, a value would become code instead of the data it is at run time.
  const deferred = deferredFieldPaths(copy, project.registry);
  const { value } = resolveEnvStrings(copy, copy, [], project.env, {
    escape: true,
    skip: (path) => deferred.has(path),
  });
  writeStdout(opts.format === "json" ? `${JSON.stringify(value, null, 2)}\n` : printYaml(value));
  return 0;
}
