/** The version shown by `--version`; the commit is filled in by scripts/build.ts. */
import pkg from "../package.json" with { type: "json" };

declare const MODEL_COMPOSE_COMMIT: string | undefined;

export const VERSION: string = pkg.version;
export const COMMIT: string = typeof MODEL_COMPOSE_COMMIT === "string" ? MODEL_COMPOSE_COMMIT : "source";

export function versionLine(): string {
  return `model-compose ${VERSION} (${COMMIT})`;
}
