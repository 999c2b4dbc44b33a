/** Options every command shares, and loading the project from them. */
import type { Project } from "../compose/model.ts";
import type { GlobalOptions } from "./global-options.ts";

export type { GlobalOptions };

export async function loadFromOptions(opts: GlobalOptions): Promise<Project> {
  const { loadProject } = await import("../compose/load.ts");
  return loadProject({
    files: opts.file ?? [],
    projectDirectory: opts.projectDirectory,
    envFiles: opts.envFile ?? [],
    envArgs: opts.env ?? [],
  });
}
