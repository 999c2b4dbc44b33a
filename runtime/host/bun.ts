/**
 * The Bun side of the host module. Bun's global is reached through a small typed view
 * so this file also type-checks where Bun's types are absent (`deno check`).
 */
import { bunSpawn } from "./bun-spawn.ts";
import {
  addrInUse,
  type Host,
  type HostServer,
  LIBC_NAMES,
  nodeIsatty,
  once,
  PR_SET_CHILD_SUBREAPER,
  type ProcessControl,
  type ServeOptions,
  WNOHANG,
} from "./types.ts";

/** Root of a compiled binary's embedded file system (see scripts/build.ts). */
export const EMBEDDED_ROOT = "/$bunfs/root";

interface BunPluginBuilder {
  module(name: string, load: () => { exports: Record<string, unknown>; loader: "object" }): void;
}

interface BunGlobal {
  main: string;
  serve(options: {
    hostname: string;
    port: number;
    fetch: (request: Request, server: BunServer) => Response | Promise<Response>;
    maxRequestBodySize?: number;
    idleTimeout?: number;
  }): BunServer;
  sleep(ms: number): Promise<void>;
  resolveSync(specifier: string, from: string): string;
  plugin?: (plugin: { name: string; setup(build: BunPluginBuilder): void }) => void;
  YAML?: { parse(text: string): unknown };
}

interface BunServer {
  port?: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
  /** Per-request idle timeout in seconds; 0 turns it off. */
  timeout(request: Request, seconds: number): void;
}

const bun = (): BunGlobal => (globalThis as unknown as { Bun: BunGlobal }).Bun;

/** The part of bun:ffi used here, typed so this file also checks without Bun's types. */
interface BunFfi {
  dlopen(
    name: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => number> };
}

/** libc's prctl and waitpid through bun:ffi, imported only when asked for (it is not small). */
const bunProcessControl = once(async (): Promise<ProcessControl | undefined> => {
  if (process.platform !== "linux") return undefined;
  let ffi: BunFfi;
  try {
    ffi = (await import("bun:ffi")) as unknown as BunFfi;
  } catch {
    return undefined;
  }
  for (const name of LIBC_NAMES) {
    try {
      const { symbols } = ffi.dlopen(name, {
        prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
        waitpid: { args: ["i32", "ptr", "i32"], returns: "i32" },
      });
      return {
        setChildSubreaper: () => symbols.prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) === 0,
        reap: (pid) => symbols.waitpid(pid, null, WNOHANG) === pid,
      };
    } catch {}
  }
  return undefined;
});

export const bunHost: Host = {
  name: "bun",

  serve(options: ServeOptions): HostServer {
    let server: ReturnType<BunGlobal["serve"]>;
    try {
      server = bun().serve({
        hostname: options.hostname,
        port: options.port,
        fetch: (request, srv) => options.fetch(request, { keepOpen: () => srv.timeout(request, 0) }),
        maxRequestBodySize: options.maxRequestBodySize,
        // Idle connections and stalled uploads are closed; a request whose answer takes
        // long (a run waited for) says so with keepOpen().
        idleTimeout: options.idleTimeoutSeconds ?? 30,
      });
    } catch (error) {
      if ((error as { code?: string }).code === "EADDRINUSE")
        throw addrInUse(options.hostname, options.port, error);
      throw error;
    }
    return {
      port: server.port ?? options.port,
      async stop(closeActive = false) {
        await server.stop(closeActive);
      },
    };
  },

  mainModule: () => bun().main,

  isCompiledBinary() {
    const main = bun().main;
    return main.startsWith(`${EMBEDDED_ROOT}/`) || main.startsWith("B:/~BUN/");
  },

  selfCommand() {
    // --no-env-file: the project's .env is read by model-compose itself (§2.2), never by Bun.
    return bunHost.isCompiledBinary() ? [process.execPath] : [process.execPath, "--no-env-file", bun().main];
  },

  sleep: (ms) => bun().sleep(ms),

  // Bun's own isatty binding (what its node:tty calls), without loading node:tty.
  isTerminal(fd) {
    const binding = (process as unknown as { binding?(name: string): { isTTY?(fd: number): boolean } })
      .binding;
    try {
      const isTTY = binding?.("tty_wrap").isTTY;
      if (typeof isTTY === "function") return isTTY(fd);
    } catch {}
    return nodeIsatty(fd);
  },

  nativeYamlParse: (globalThis as unknown as { Bun?: BunGlobal }).Bun?.YAML
    ? (text) => (bun().YAML as { parse(text: string): unknown }).parse(text)
    : undefined,

  resolveModule: (specifier, fromDir) => bun().resolveSync(specifier, fromDir),

  processControl: bunProcessControl,

  spawn: bunSpawn,

  registerModules(pluginName, modules) {
    const host = bun();
    if (typeof host.plugin !== "function") return false;
    host.plugin({
      name: pluginName,
      setup(build) {
        for (const [name, exports] of Object.entries(modules)) {
          build.module(name, () => ({ exports: { ...exports }, loader: "object" }));
        }
      },
    });
    return true;
  },
};
