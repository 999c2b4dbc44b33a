/** Options every command shares, and loading the project from them. */
import type { Project } from "../compose/model.ts";

export interface GlobalOptions {
  file?: string[];
  projectDirectory?: string;
  envFile?: string[];
  env?: string[];
  verbose?: boolean;
}

export async function loadFromOptions(opts: GlobalOptions): Promise<Project> {
  const { loadProject } = await import("../compose/load.ts");
  return loadProject({
    files: opts.file ?? [],
    projectDirectory: opts.projectDirectory,
    envFiles: opts.envFile ?? [],
    envArgs: opts.env ?? [],
  });
}
