/** What model-compose needs from the JavaScript runtime it runs on (Bun or Deno). */

/** What the server hands the app with each request (hono's `c.env`). */
export interface RequestEnv {
  /** Exempts this request from the idle timeout: its answer may take long (a run waited for, a stream). */
  keepOpen?(): void;
}

export type FetchHandler = (request: Request, env?: RequestEnv) => Response | Promise<Response>;

export interface ServeOptions {
  hostname: string;
  /** 0 picks a free port; the server's `port` tells which. */
  port: number;
  fetch: FetchHandler;
  /**
   * Hard cap on request bodies in bytes, where the runtime has one (Bun). The
   * controller's app enforces `max_body_size` itself, with a clear message.
   */
  maxRequestBodySize?: number;
  /** Seconds a connection may go without traffic before it is closed (Bun: 1-255). */
  idleTimeoutSeconds?: number;
}

export interface HostServer {
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting connections; `closeActive` also ends open ones where the runtime can. */
  stop(closeActive?: boolean): Promise<void>;
}

export interface Host {
  readonly name: "bun" | "deno" | "unknown";
  /** Starts an HTTP server; a taken port throws an error with `code: "EADDRINUSE"`. */
  serve(options: ServeOptions): HostServer;
  /** Path (or embedded path, in a compiled binary) of the program's entry module. */
  mainModule(): string;
  /** True inside an executable built with `bun build --compile` or `deno compile`. */
  isCompiledBinary(): boolean;
  /** argv that runs this program again (`up -d` starts itself in the background). */
  selfCommand(): string[];
  sleep(ms: number): Promise<void>;
  /** Whether standard input (0), output (1) or error (2) is a terminal. */
  isTerminal(fd: 0 | 1 | 2): boolean;
  /** Resolves a package name (or path) as an import from `fromDir`, for `import()`. */
  resolveModule(specifier: string, fromDir: string): string;
  /**
   * Makes bare imports of `name` in modules loaded later resolve to these exports.
   * Returns false where the runtime cannot (Deno: its own resolution applies).
   */
  registerModules(pluginName: string, modules: Record<string, Record<string, unknown>>): boolean;
  /**
   * The runtime's own YAML parser (Bun's), or undefined. Quick to start, but it keeps
   * no positions; see compose/parse.ts for when it may be used.
   */
  readonly nativeYamlParse?: (text: string) => unknown;
  /**
   * Process control from libc, where the runtime can call it (Linux, through Bun's or
   * Deno's FFI); undefined elsewhere. Loaded on the first call, once.
   */
  processControl(): Promise<ProcessControl | undefined>;
  /**
   * Starts a process in a session and process group of its own (setsid), so that a
   * signal to the group reaches every child it starts. Rejects when the process cannot
   * start, with the system's `code` on the error (ENOENT, E2BIG, ...).
   */
  spawn(options: SpawnOptions): Promise<SpawnedProcess>;
}

export interface SpawnOptions {
  argv: readonly string[];
  cwd: string;
  /** The whole environment of the process. */
  env: Record<string, string>;
  /** Written to standard input, which is then closed; without it, /dev/null. */
  stdin?: string;
  /** Each chunk of standard output or standard error, as it comes. */
  onOutput(stream: "stdout" | "stderr", chunk: Uint8Array): void;
}

export interface SpawnedProcess {
  readonly pid: number;
  /** Resolves when the process exits: its exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Resolves when both output streams are closed; a background child can hold them open after the exit. */
  readonly closed: Promise<void>;
}

/** Linux process calls that node:child_process does not offer. */
export interface ProcessControl {
  /**
   * prctl(PR_SET_CHILD_SUBREAPER): an orphaned descendant becomes a child of this process
   * instead of init's, so it can still be found (and must be reaped, see `reap`).
   * Returns false when the kernel refuses.
   */
  setChildSubreaper(): boolean;
  /** waitpid(pid, WNOHANG): collects an exited child; true when `pid` was reaped. */
  reap(pid: number): boolean;
}

/** PR_SET_CHILD_SUBREAPER from <linux/prctl.h>. */
export const PR_SET_CHILD_SUBREAPER = 36;
/** WNOHANG from <sys/wait.h>. */
export const WNOHANG = 1;
/** Names the C library answers to: glibc, then musl's. */
export const LIBC_NAMES = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];

/** Calls `load` once, on first use; later calls share its promise. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= load();
    return value;
  };
}

/** The error `serve` throws for a port in use, the same on every runtime. */
export function addrInUse(hostname: string, port: number, cause: unknown): Error {
  const error = new Error(`address ${hostname}:${port} is already in use`, { cause }) as Error & {
    code: string;
  };
  error.code = "EADDRINUSE";
  return error;
}

/**
 * node:tty's isatty, for a runtime without a cheaper answer. The module is loaded on
 * the call: importing it loads node's streams, about 6 ms of a start-up.
 */
export function nodeIsatty(fd: number): boolean {
  const tty = process.getBuiltinModule("node:tty") as typeof import("node:tty");
  return tty.isatty(fd);
}
