/** Which compose files to read: `-f` as given, else the default names in the directory. */
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../errors.ts";

const DEFAULT_FILE_NAMES = ["model-compose.yml", "model-compose.yaml"] as const;

export function findComposeFiles(files: readonly string[], cwd: string): string[] {
  if (files.length > 0) {
    return files.map((f) => {
      const abs = path.resolve(cwd, f);
      if (!existsSync(abs)) throw new ConfigError(`compose file not found: ${f} (looked at ${abs})`);
      if (statSync(abs).isDirectory()) {
        throw new ConfigError(
          `compose file ${f} is a directory; name the file (e.g. ${path.join(f, DEFAULT_FILE_NAMES[0])})`,
        );
      }
      return abs;
    });
  }
  for (const name of DEFAULT_FILE_NAMES) {
    const abs = path.join(cwd, name);
    if (existsSync(abs)) return [abs];
  }
  throw new ConfigError(
    `no compose file: neither ${DEFAULT_FILE_NAMES.join(" nor ")} exists in ${cwd}; pass one with -f FILE`,
  );
}
