/**
 * Limits on reading compose files, so a hostile or mistaken file (an alias bomb,
 * `-f /dev/zero`) ends in an error that names the limit instead of filling memory.
 *
 * They are read from the process environment, not from the compose file: they guard
 * the reading of that very file. docs/security.md lists them with their defaults.
 */
import { ConfigError } from "../errors.ts";

export interface LoadLimits {
  /** The largest compose file read, in bytes. */
  maxFileBytes: number;
  /**
   * How many values YAML aliases (`*name`, `<<: *name`) may expand to in one file. Each
   * alias is expanded to a copy of what it names, so nested aliases multiply.
   */
  maxAliasValues: number;
  /**
   * How deeply maps and lists may nest. Reading, checking and printing a document costs
   * time and memory that grow with the square of its depth (7 000 levels in 14 KB took
   * 32 s and 2 GB to print with `config`); compose files need a few dozen.
   */
  maxDepth: number;
}

/** The limits that apply to reading YAML text. */
export type YamlLimits = Pick<LoadLimits, "maxAliasValues" | "maxDepth">;

export const LOAD_LIMITS = {
  maxFileBytes: { env: "MODEL_COMPOSE_MAX_FILE_BYTES", default: 4 * 1024 * 1024 },
  maxAliasValues: { env: "MODEL_COMPOSE_MAX_ALIAS_VALUES", default: 10_000 },
  maxDepth: { env: "MODEL_COMPOSE_MAX_YAML_DEPTH", default: 100 },
} as const satisfies Record<keyof LoadLimits, { env: string; default: number }>;

export const DEFAULT_YAML_LIMITS: YamlLimits = {
  maxAliasValues: LOAD_LIMITS.maxAliasValues.default,
  maxDepth: LOAD_LIMITS.maxDepth.default,
};

/** The limits set in `env` (the process environment), the defaults for the rest. */
export function loadLimits(env: Readonly<Record<string, string | undefined>> = process.env): LoadLimits {
  const limits: LoadLimits = {
    maxFileBytes: LOAD_LIMITS.maxFileBytes.default,
    maxAliasValues: LOAD_LIMITS.maxAliasValues.default,
    maxDepth: LOAD_LIMITS.maxDepth.default,
  };
  for (const key of Object.keys(LOAD_LIMITS) as Array<keyof LoadLimits>) {
    const { env: name } = LOAD_LIMITS[key];
    const text = env[name];
    if (text === undefined || text === "") continue;
    if (!/^[0-9]+$/.test(text.trim()) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
      throw new ConfigError(
        `environment variable ${name} must be a whole number of at least 1, found "${text}"`,
      );
    }
    limits[key] = Number(text);
  }
  return limits;
}
