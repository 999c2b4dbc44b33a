/**
 * The options every command shares. Their values' type follows from this table (see
 * OptionValuesOf), so an option added here is known to the commands with its type.
 */
import type { OptionSpec, OptionValuesOf } from "./args.ts";

/** Options every command takes, before or after the command's name. */
export const GLOBAL_OPTIONS = [
  { long: "version", short: "V", description: "print the version" },
  {
    long: "file",
    short: "f",
    value: "file",
    multiple: true,
    description: "compose file (repeatable; merged left to right)",
  },
  {
    long: "project-directory",
    value: "dir",
    description: "project directory (default: the first compose file's directory)",
  },
  {
    long: "env-file",
    value: "file",
    multiple: true,
    description: "environment file (repeatable; later files win)",
  },
  {
    long: "env",
    short: "e",
    value: "KEY=VALUE",
    multiple: true,
    description: "set an environment variable (repeatable; wins over every file)",
  },
  { long: "verbose", short: "v", description: "debug logs and stack traces" },
] as const satisfies readonly OptionSpec[];

/** `--file` -> `file?: string[]`, `--project-directory` -> `projectDirectory?: string`, ... */
export type GlobalOptions = OptionValuesOf<typeof GLOBAL_OPTIONS>;
