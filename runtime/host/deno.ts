/**
 * The Deno side of the host module. Deno's global is reached through a small typed view
 * so this file also type-checks with Bun's types (`tsc`).
 *
 * Differences from Bun, by design:
 * - `serve`: Deno.serve has no body-size cap of its own; the controller's app enforces
 *   `max_body_size`. Stopping is graceful; with `closeActive`, requests still open after
 *   a short wait no longer keep the process alive.
 * - `registerModules`: not available. A plugin file's `import "model-compose"` or
 *   `import "valibot"` resolves through Deno's own resolution: the import map in
 *   deno.json and the node_modules next to it or next to the plugin.
 */
import { existsSync } from "node:fs";
import { resolveFromNodeModules } from "./node-resolve.ts";
import { nodeSpawn } from "./node-spawn.ts";
import {
  addrInUse,
  type Host,
  type HostServer,
  LIBC_NAMES,
  once,
  PR_SET_CHILD_SUBREAPER,
  type ProcessControl,
  type ServeOptions,
  WNOHANG,
} from "./types.ts";

/**
 * node:url, taken when first needed: this module is loaded on every runtime (the host
 * is chosen at run time), and on Bun loading node:url costs start-up time for nothing.
 */
const nodeUrl = () => process.getBuiltinModule("node:url") as typeof import("node:url");

interface DenoHttpServer {
  addr: { port: number };
  shutdown(): Promise<void>;
  unref(): void;
}

interface DenoGlobal {
  mainModule: string;
  execPath(): string;
  stdin: { isTerminal(): boolean };
  stdout: { isTerminal(): boolean };
  stderr: { isTerminal(): boolean };
  build: { standalone?: boolean; os: string };
  dlopen?(
    name: string,
    symbols: Record<string, { parameters: string[]; result: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => number> };
  errors: { AddrInUse: abstract new (...args: never[]) => Error };
  serve(options: {
    hostname: string;
    port: number;
    onListen?: (addr: unknown) => void;
    handler: (request: Request, info: unknown) => Response | Promise<Response>;
  }): DenoHttpServer;
}

const deno = (): DenoGlobal => (globalThis as unknown as { Deno: DenoGlobal }).Deno;

/** libc's prctl and waitpid through Deno's FFI (needs --allow-ffi, which -A gives). */
const denoProcessControl = once(async (): Promise<ProcessControl | undefined> => {
  const d = deno();
  if (d.build.os !== "linux" || typeof d.dlopen !== "function") return undefined;
  for (const name of LIBC_NAMES) {
    try {
      const { symbols } = d.dlopen(name, {
        prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
        waitpid: { parameters: ["i32", "pointer", "i32"], result: "i32" },
      });
      return {
        setChildSubreaper: () => symbols.prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) === 0,
        reap: (pid) => symbols.waitpid(pid, null, WNOHANG) === pid,
      };
    } catch {}
  }
  return undefined;
});

/** How long `stop(true)` waits for open requests before it lets go of them. */
const FORCE_STOP_MS = 1000;

/** The deno.json at the repository root, which source runs of the CLI use. */
function configFile(): string | undefined {
  const url = new URL("../../deno.json", import.meta.url);
  if (url.protocol !== "file:") return undefined;
  const file = nodeUrl().fileURLToPath(url);
  return existsSync(file) ? file : undefined;
}

export const denoHost: Host = {
  name: "deno",

  serve(options: ServeOptions): HostServer {
    let server: DenoHttpServer;
    try {
      server = deno().serve({
        hostname: options.hostname,
        port: options.port,
        // Without onListen, Deno prints "Listening on ..." to stdout.
        onListen: () => {},
        // Deno.serve has no idle timeout to lift, so no keepOpen.
        handler: (request) => options.fetch(request, {}),
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (error instanceof deno().errors.AddrInUse || code === "EADDRINUSE") {
        throw addrInUse(options.hostname, options.port, error);
      }
      throw error;
    }
    return {
      port: server.addr.port,
      async stop(closeActive = false) {
        const done = server.shutdown();
        if (!closeActive) return done;
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, FORCE_STOP_MS)))]);
        clearTimeout(timer);
        server.unref();
      },
    };
  },

  mainModule() {
    const main = deno().mainModule;
    return main.startsWith("file:") ? nodeUrl().fileURLToPath(main) : main;
  },

  isCompiledBinary: () => deno().build.standalone === true,

  selfCommand() {
    if (denoHost.isCompiledBinary()) return [deno().execPath()];
    // All permissions: the controller spawns commands, serves, reads and writes files.
    // The repository's deno.json gives the same resolution as `deno task run` from any
    // working directory. Deno reads no .env file unless told to, so none is passed.
    const config = configFile();
    return [deno().execPath(), "run", "-A", ...(config ? ["--config", config] : []), denoHost.mainModule()];
  },

  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),

  isTerminal: (fd) => [deno().stdin, deno().stdout, deno().stderr][fd].isTerminal(),

  resolveModule(specifier, fromDir) {
    // Deno's own specifiers are imported as they are.
    if (/^(npm|jsr|node|https?|file|data):/.test(specifier)) return specifier;
    const file = resolveFromNodeModules(specifier, fromDir);
    if (file) return nodeUrl().pathToFileURL(file).href;
    // Deno's resolution: deno.json's import map, the node_modules next to model-compose.
    return import.meta.resolve(specifier);
  },

  registerModules: () => false,

  processControl: denoProcessControl,
  spawn: nodeSpawn,
};
