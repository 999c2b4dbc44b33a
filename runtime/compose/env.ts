/**
 * The environment bindings see as `${env.NAME}`. Precedence, highest first (the
 * user guide's order): `-e KEY=VALUE`, `--env-file` files (later win), the project's
 * `.env`, the process environment.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { ConfigError } from "../errors.ts";
import { checkEnvFileLines, ENV_NAME } from "./env-file-lines.ts";
import { loadLimits } from "./load-limits.ts";
import { readEnvText } from "./read-file.ts";

export interface EnvironmentSources {
  projectDir: string;
  /** `--env-file` paths, relative to the current directory. */
  envFiles?: readonly string[];
  /** `-e` arguments: `KEY=VALUE`, or `KEY` to take the value from the process. */
  envArgs?: readonly string[];
  processEnv?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}

export function loadEnvironment(sources: EnvironmentSources): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(sources.processEnv ?? process.env)) if (v !== undefined) env[k] = v;
  return Object.assign(env, declaredEnvironment(sources));
}

/**
 * The variables the project itself declares: its `.env`, `--env-file` files and `-e`
 * arguments, merged in that order (later wins), without the rest of the process
 * environment. This is what a controller started elsewhere (a container) is given.
 */
export function declaredEnvironment(sources: EnvironmentSources): Record<string, string> {
  const processEnv = sources.processEnv ?? process.env;
  const env: Record<string, string> = {};
  const dotEnv = path.join(sources.projectDir, ".env");
  const { maxFileBytes } = loadLimits(processEnv);
  if (existsSync(dotEnv)) Object.assign(env, readEnvFile(dotEnv, ".env", maxFileBytes));

  for (const file of sources.envFiles ?? []) {
    const abs = path.resolve(sources.cwd ?? process.cwd(), file);
    if (!existsSync(abs)) throw new ConfigError(`--env-file ${file}: file not found (looked at ${abs})`);
    Object.assign(env, readEnvFile(abs, file, maxFileBytes));
  }

  for (const arg of sources.envArgs ?? []) {
    const eq = arg.indexOf("=");
    const key = eq < 0 ? arg : arg.slice(0, eq);
    // The names an env file may hold, so -e can override any of them.
    if (!ENV_NAME.test(key)) {
      throw new ConfigError(`-e ${arg}: expected KEY=VALUE with a variable name as KEY`);
    }
    if (eq >= 0) env[key] = arg.slice(eq + 1);
    else if (processEnv[key] !== undefined) env[key] = processEnv[key] as string;
  }
  return env;
}

/**
 * dotenv, loaded when a project has an env file: it imports node:crypto, which costs
 * every other start-up time. A literal `require` where the host has one (so the
 * compiled binary's bundler sees it), `createRequire` elsewhere (Deno).
 */
function loadDotenv(): typeof import("dotenv") {
  return typeof require === "function" ? require("dotenv") : createRequire(import.meta.url)("dotenv");
}

/** Reads a dotenv file; `label` names it in errors; a line dotenv would skip is an error. */
function readEnvFile(file: string, label: string, maxBytes: number): Record<string, string> {
  const text = readEnvText(file, label, maxBytes);
  checkEnvFileLines(text, file);
  return loadDotenv().parse(text);
}

const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIAL|AUTH)/i;

/** Values that must never appear in logs: env vars whose names look like secrets. */
export function secretValues(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => SECRET_NAME.test(k) && k !== "PWD" && k !== "OLDPWD" && v.length >= 4)
    .map(([, v]) => v);
}
