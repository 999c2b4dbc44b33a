/** `model-compose config`: the merged, validated, env-resolved document. */
import { stringify } from "yaml";
import { resolveEnvStrings } from "../compose/env-resolve.ts";
import { type GlobalOptions, loadFromOptions } from "./common.ts";

export async function configCommand(opts: GlobalOptions & { format?: string }): Promise<number> {
  const project = await loadFromOptions(opts);
  for (const w of project.warnings) process.stderr.write(`warning: ${w}\n`);
  // The document as written, not the validated one: `30s` must stay `30s` (a printed
  // 30000 would read back as 30000 seconds).
  const copy = structuredClone(project.written);
  const { value } = resolveEnvStrings(copy, copy, [], project.env);
  process.stdout.write(
    opts.format === "json" ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 }),
  );
  return 0;
}
