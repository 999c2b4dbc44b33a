/**
 * Where a project keeps what the controller writes: its state file and log (`up -d`)
 * and the default SQLite run store. `.model-compose/` in the project directory, unless
 * `MODEL_COMPOSE_STATE_DIR` names another directory — as the project's image does, so
 * that a compose file mounted read-only still gets a writable, persistent place
 * (a volume at /data).
 */
import * as path from "node:path";

export const STATE_DIR_VARIABLE = "MODEL_COMPOSE_STATE_DIR";

/** The state directory of the project at `projectDir`, absolute. */
export function stateDirectory(projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env[STATE_DIR_VARIABLE];
  return chosen ? path.resolve(projectDir, chosen) : path.join(path.resolve(projectDir), ".model-compose");
}
