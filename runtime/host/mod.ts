/**
 * The one place that knows which JavaScript runtime model-compose runs on. Everything
 * else calls these functions instead of `Bun.*` or `Deno.*`. Bun is the runtime of the
 * compiled binary and of the test suite; Deno runs the source too (see deno.json).
 * The choice is made once, when this module loads.
 */
import { bunHost } from "./bun.ts";
import { denoHost } from "./deno.ts";
import { nodeSpawn } from "./node-spawn.ts";
import { type Host, nodeIsatty } from "./types.ts";

export { EMBEDDED_ROOT } from "./bun.ts";
export type {
  FetchHandler,
  Host,
  HostServer,
  ProcessControl,
  ServeOptions,
  SpawnedProcess,
  SpawnOptions,
} from "./types.ts";

function unsupported(what: string): never {
  throw new Error(`${what} needs the Bun or Deno runtime`);
}

/** Elsewhere (e.g. Node importing the library): what needs no runtime API still works. */
const otherHost: Host = {
  name: "unknown",
  serve: () => unsupported("serving the controller"),
  mainModule: () => process.argv[1] ?? "",
  isCompiledBinary: () => false,
  selfCommand: () => [process.execPath, ...(process.argv[1] ? [process.argv[1]] : [])],
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  isTerminal: nodeIsatty,
  resolveModule: () => unsupported("loading a plugin package"),
  registerModules: () => false,
  processControl: async () => undefined,
  spawn: nodeSpawn,
};

const g = globalThis as { Bun?: unknown; Deno?: unknown };

/** The runtime in use. */
export const host: Host =
  typeof g.Bun !== "undefined" ? bunHost : typeof g.Deno !== "undefined" ? denoHost : otherHost;

export const runtimeName = (): Host["name"] => host.name;
export const serve: Host["serve"] = (options) => host.serve(options);
export const mainModule: Host["mainModule"] = () => host.mainModule();
export const isCompiledBinary: Host["isCompiledBinary"] = () => host.isCompiledBinary();
export const selfCommand: Host["selfCommand"] = () => host.selfCommand();
export const isTerminal: Host["isTerminal"] = (fd) => host.isTerminal(fd);
export type { SqliteDatabase, SqliteStatement, SqliteValue } from "./sqlite.ts";

/** Opens a SQLite database file with the runtime's built-in driver (bun:sqlite, node:sqlite). */
export async function openSqlite(path: string): Promise<import("./sqlite.ts").SqliteDatabase> {
  const { openSqliteFile } = await import("./sqlite.ts");
  return openSqliteFile(path, host.name);
}
export const sleep: Host["sleep"] = (ms) => host.sleep(ms);
export const resolveModule: Host["resolveModule"] = (specifier, fromDir) =>
  host.resolveModule(specifier, fromDir);
export const registerModules: Host["registerModules"] = (name, modules) =>
  host.registerModules(name, modules);
export const processControl: Host["processControl"] = () => host.processControl();
export const nativeYamlParse: Host["nativeYamlParse"] = host.nativeYamlParse;
export const spawn: Host["spawn"] = (options) => host.spawn(options);
