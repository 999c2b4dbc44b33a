/** Options every command shares, and loading the project from them. */
import type { LoadOptions } from "../compose/load.ts";
import type { Project } from "../compose/model.ts";
import type { Composition } from "../composition.ts";
import type { GlobalOptions } from "./global-options.ts";

export type { GlobalOptions };

/** `only`: build just the workflow to run (see LoadOptions). */
export async function loadFromOptions(
  opts: GlobalOptions,
  composition: Composition,
  only?: LoadOptions["only"],
): Promise<Project> {
  const { loadProject } = await import("../compose/load.ts");
  return loadProject({
    only,
    files: opts.file ?? [],
    projectDirectory: opts.projectDirectory,
    envFiles: opts.envFile ?? [],
    envArgs: opts.env ?? [],
    registry: composition.registry(),
    workerEntry: composition.workerEntry,
  });
}
