/** What model-compose needs from the JavaScript runtime it runs on (Bun or Deno). */

export type FetchHandler = (request: Request, env?: unknown) => Response | Promise<Response>;

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
}

/** The error `serve` throws for a port in use, the same on every runtime. */
export function addrInUse(hostname: string, port: number, cause: unknown): Error {
  const error = new Error(`address ${hostname}:${port} is already in use`, { cause }) as Error & {
    code: string;
  };
  error.code = "EADDRINUSE";
  return error;
}
