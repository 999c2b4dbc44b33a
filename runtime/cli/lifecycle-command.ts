/** `up`, `down`, `start`, `stop`: handed to the configured runtime plugin. */
import * as path from "node:path";
import type * as v from "valibot";
import { validateWith } from "../compose/validate.ts";
import type { Composition } from "../composition.ts";
import { localController } from "../controller/local-controller.ts";
import type { GlobalOptions } from "./common.ts";
import { loadFromOptions } from "./common.ts";
import { reportError } from "./report.ts";

/** The global options as argv, with paths made absolute (for a controller started elsewhere). */
function globalArgsOf(opts: GlobalOptions): string[] {
  const args: string[] = [];
  for (const f of opts.file ?? []) args.push("-f", path.resolve(f));
  if (opts.projectDirectory) args.push("--project-directory", path.resolve(opts.projectDirectory));
  for (const f of opts.envFile ?? []) args.push("--env-file", path.resolve(f));
  for (const e of opts.env ?? []) args.push("-e", e);
  if (opts.verbose) args.push("-v");
  return args;
}

export async function lifecycleCommand(
  name: "up" | "down" | "start" | "stop",
  opts: GlobalOptions & { detach?: boolean; forceRecreate?: boolean; volumes?: boolean },
  composition: Composition,
): Promise<number> {
  const verbose = Boolean(opts.verbose);
  try {
    const project = await loadFromOptions(opts, composition);
    const runtimeOptions = project.document.controller.runtime;
    const plugin = project.registry.runtime(runtimeOptions.type)!;
    const options = validateWith(plugin.schema as v.GenericSchema, runtimeOptions, ["controller", "runtime"]);
    const runtime = plugin.create(options, project, { local: localController(project) });
    const commandOptions = {
      detach: Boolean(opts.detach),
      forceRecreate: Boolean(opts.forceRecreate),
      volumes: Boolean(opts.volumes),
      verbose,
      globalArgs: globalArgsOf(opts),
    };
    await runtime[name](commandOptions);
    return 0;
  } catch (error) {
    return reportError(error, verbose);
  }
}
