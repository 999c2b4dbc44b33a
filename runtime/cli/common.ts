/** Options every command shares, and loading the project from them. */
import type { Project } from "../compose/model.ts";
import type { Composition } from "../composition.ts";
import type { GlobalOptions } from "./global-options.ts";

export type { GlobalOptions };

export async function loadFromOptions(opts: GlobalOptions, composition: Composition): Promise<Project> {
  const { loadProject } = await import("../compose/load.ts");
  return loadProject({
    files: opts.file ?? [],
    projectDirectory: opts.projectDirectory,
    envFiles: opts.envFile ?? [],
    envArgs: opts.env ?? [],
    registry: composition.registry(),
    workerEntry: composition.workerEntry,
  });
}
