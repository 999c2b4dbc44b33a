/**
 * The plugin registry. Everything a compose file names by `type:` (components and
 * runtimes) is a plugin registered here; the built-ins register exactly like
 * third-party modules loaded through `plugins:`.
 */
import * as path from "node:path";
import type { Logger } from "pino";
import type * as v from "valibot";
import type { ControllerConfig } from "./compose/schema.ts";
import { ConfigError, type KeyPath } from "./errors.ts";
import { resolveModule } from "./host/mod.ts";

/** Options for rendering a deferred (plugin-rendered) template field. */
export interface RenderOptions {
  /**
   * Turns each substituted value into text; e.g. shell quoting. `expression` is the
   * binding's text between `${` and `}`, for messages that name it.
   */
  quote?: (value: unknown, expression: string) => string;
}

/** What a component call receives besides its config and input. */
export interface ComponentCallContext {
  /** Aborted when the run is cancelled or the job times out; stop work promptly. */
  signal: AbortSignal;
  /** A child logger carrying run, workflow and job ids. */
  logger: Logger;
  /** The merged environment (`-e` > `--env-file` > `.env` > process). */
  env: Readonly<Record<string, string>>;
  runId: string;
  workflowId: string;
  jobId: string;
  /** Directory that relative paths in the compose file resolve against. */
  projectDir: string;
  /**
   * Renders a field the plugin declared in `deferredFields` with its own quoting
   * (the core leaves such fields unrendered so values can never change their structure).
   */
  renderDeferred(field: string, options: RenderOptions): unknown;
  /**
   * Output the call's work prints as it happens (a process's stdout and stderr), in
   * chunks cut anywhere. The core makes each line a `log` event of the job, so a run's
   * followers see it live; a last line without a break is sent when the call ends.
   * What the component returns is unaffected: capture it as well if it is the result.
   */
  output(stream: "stdout" | "stderr", chunk: string | Uint8Array): void;
  /**
   * A line written for the user (the `logger` component's): a `log` event with this
   * level. Give a function to make the text only when the run can be followed: a run
   * without an event listener (`runWorkflow` in a program, `run --progress none`) never
   * calls it, so a large input is not stringified for nobody.
   */
  logLine(level: string, text: string | (() => string)): void;
}

/** What a component call produces. */
export interface ComponentResult {
  /** The natural output, used when no `output:` mapping is configured. */
  output: unknown;
  /** Result variables for `output:` mappings (`stdout`, `response`, `status`, ...). */
  variables: Record<string, unknown>;
}

/** A configured component, created once per component definition. */
export interface ComponentInstance<C = unknown> {
  run(config: C, input: unknown, ctx: ComponentCallContext): Promise<ComponentResult>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/** Context given to `create`. */
export interface ComponentCreateContext {
  id: string;
  projectDir: string;
  logger: Logger;
}

/** A component type, such as `shell` or `http-client`. */
export interface ComponentPlugin<S extends v.GenericSchema = v.GenericSchema> {
  type: string;
  description?: string;
  /**
   * Validates one action's configuration: the component's type fields merged with the
   * action's (action wins). Common keys (id, type, action(s), output,
   * max_concurrent_count, title, description) are removed before validation.
   */
  schema: S;
  /** Names the component's `output:` mapping may use (besides input, env, context). */
  resultVariables: readonly string[];
  /**
   * The fields of result variables that have a fixed shape (shell: `result` has
   * stdout, stderr, exit_code): a path naming another field is a load error.
   */
  resultFields?: Readonly<Record<string, readonly string[]>>;
  /** Fields the core must not render; the plugin renders them through `renderDeferred`. */
  deferredFields?: readonly string[];
  /**
   * Fields holding host paths. A relative value (after rendering) reaches the plugin
   * made absolute against the directory of the compose file that wrote it, so a path
   * means the same whichever `-f` file sets it.
   */
  pathFields?: readonly string[];
  create(ctx: ComponentCreateContext): ComponentInstance<v.InferOutput<S>>;
}

/** Options given to a runtime's lifecycle commands. */
export interface RuntimeCommandOptions {
  detach: boolean;
  verbose: boolean;
  /** `up --force-recreate`: replace the deployment even if nothing changed. */
  forceRecreate?: boolean;
  /** `down -v` / `--volumes`: also remove the volumes the runtime created (the docker state volume). */
  volumes?: boolean;
  /** The global command-line options (`-f`, `--env-file`, ...) to hand to a controller started elsewhere. */
  globalArgs: string[];
}

/** A started or startable controller deployment (native process, docker container, ...). */
export interface RuntimeInstance {
  up(options: RuntimeCommandOptions): Promise<void>;
  down(options: RuntimeCommandOptions): Promise<void>;
  start(options: RuntimeCommandOptions): Promise<void>;
  stop(options: RuntimeCommandOptions): Promise<void>;
  status(): Promise<string>;
}

/** A controller of this project as a process on this host, as `up` runs it. */
export interface LocalController {
  /** Serves in the foreground until SIGINT/SIGTERM or `down`, then shuts down gracefully. */
  serve(options: RuntimeCommandOptions): Promise<void>;
  /** Starts it as a background process (`up -d`); resolves once `/health` answers. */
  startDetached(options: RuntimeCommandOptions): Promise<{ pid: number; api: string; log: string }>;
  /**
   * Stops the running one: asks it through `.stop`, waits, and signals only a process
   * verified to be it. `stale` says why a state file found was not a running controller.
   */
  stop(): Promise<{ pid: number; forced: boolean } | { stale?: string }>;
  /** The running one, verified, or undefined. */
  status(): Promise<{ pid: number; url: string } | undefined>;
}

/** What the core gives a runtime beside its options and the project. */
export interface RuntimeContext {
  /** The controller as a process on this host: for runtimes that run it here (native). */
  local: LocalController;
}

/** What a runtime's `warnings` may look at besides its options. */
export interface RuntimeCheckContext {
  /** Directory that relative paths in the compose file resolve against. */
  projectDir: string;
  /** The validated `controller` section (port, base path, ...). */
  controller: ControllerConfig;
}

/** A finding about valid runtime options; `keyPath` is under `controller.runtime`. */
export interface RuntimeWarning {
  keyPath: KeyPath;
  message: string;
}

/** A runtime type, such as `native` or `docker`. `project` is the loaded project. */
export interface RuntimePlugin<S extends v.GenericSchema = v.GenericSchema, P = unknown> {
  type: string;
  description?: string;
  schema: S;
  /**
   * Called at load time with the validated options: what is valid but will likely not
   * work as meant. Each finding becomes one of the project's warnings, with the file,
   * line and column of its key.
   */
  warnings?(options: v.InferOutput<S>, context: RuntimeCheckContext): RuntimeWarning[];
  create(options: v.InferOutput<S>, project: P, context: RuntimeContext): RuntimeInstance;
}

/**
 * A RuntimeInstance whose implementation module loads on the first lifecycle call, so
 * loading a compose file that names the runtime stays cheap.
 */
export function lazyRuntime(load: () => Promise<RuntimeInstance>): RuntimeInstance {
  let instance: Promise<RuntimeInstance> | undefined;
  const get = () => {
    instance ??= load();
    return instance;
  };
  return {
    up: async (o) => (await get()).up(o),
    down: async (o) => (await get()).down(o),
    start: async (o) => (await get()).start(o),
    stop: async (o) => (await get()).stop(o),
    status: async () => (await get()).status(),
  };
}

/** A plugin module's default export. */
export interface Plugin {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each plugin brings its own schema type
  components?: ComponentPlugin<any>[];
  // biome-ignore lint/suspicious/noExplicitAny: each plugin brings its own schema and project type
  runtimes?: RuntimePlugin<any, any>[];
}

/**
 * Declares a plugin. A plugin module's default export is the result.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { definePlugin } from "model-compose";
 * export default definePlugin({
 *   name: "upper",
 *   components: [{
 *     type: "upper",
 *     schema: v.object({}),
 *     resultVariables: ["result"],
 *     create: () => ({
 *       run: async (_config, input) => ({ output: String(input).toUpperCase(), variables: {} }),
 *     }),
 *   }],
 * });
 * ```
 */
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

/**
 * A plugin known by the types it provides and loaded only when one of them is used,
 * so a start-up pays only for the plugins its compose file needs.
 */
export interface LazyPlugin {
  name: string;
  components?: readonly string[];
  runtimes?: readonly string[];
  load(): Promise<Plugin>;
}

/** Registered component and runtime types. */
export interface RegistryOptions {
  /**
   * Runs once before the first plugin module is imported from disk; the program that
   * builds the registry uses it to make `model-compose` and `valibot` importable by
   * plugin files (see host-modules.ts beside cli.ts).
   */
  beforeImport?: () => Promise<void>;
}

export class PluginRegistry {
  private readonly components = new Map<string, ComponentPlugin>();
  private readonly runtimes = new Map<string, RuntimePlugin>();
  private readonly loaded = new Set<string>();
  private readonly lazy: LazyPlugin[] = [];

  constructor(private readonly options: RegistryOptions = {}) {}

  /** Registers a plugin that loads when `prepare` asks for one of its types. */
  registerLazy(entry: LazyPlugin): void {
    this.lazy.push(entry);
  }

  /**
   * Loads the lazy plugins that provide any of these types (names that are not types,
   * such as component ids, are ignored). Call before looking the types up.
   */
  async prepare(types: { components?: Iterable<string>; runtimes?: Iterable<string> }): Promise<void> {
    const components = new Set(types.components ?? []);
    const runtimes = new Set(types.runtimes ?? []);
    const wanted = this.lazy.filter(
      (e) =>
        e.components?.some((t) => components.has(t) && !this.components.has(t)) ||
        e.runtimes?.some((t) => runtimes.has(t) && !this.runtimes.has(t)),
    );
    for (const entry of wanted) {
      this.lazy.splice(this.lazy.indexOf(entry), 1);
      this.register(await entry.load(), entry.name);
    }
  }

  /** Loads every lazy plugin. */
  async prepareAll(): Promise<void> {
    await this.prepare({
      components: this.lazy.flatMap((e) => e.components ?? []),
      runtimes: this.lazy.flatMap((e) => e.runtimes ?? []),
    });
  }

  register(plugin: Plugin, origin = plugin.name): void {
    checkPluginShape(plugin, origin);
    for (const c of plugin.components ?? []) {
      if (this.components.has(c.type)) {
        throw new ConfigError(`plugin ${origin}: component type "${c.type}" is already registered`);
      }
      this.components.set(c.type, c);
    }
    for (const r of plugin.runtimes ?? []) {
      if (this.runtimes.has(r.type)) {
        throw new ConfigError(`plugin ${origin}: runtime type "${r.type}" is already registered`);
      }
      this.runtimes.set(r.type, r);
    }
  }

  component(type: string): ComponentPlugin | undefined {
    return this.components.get(type);
  }

  runtime(type: string): RuntimePlugin | undefined {
    return this.runtimes.get(type);
  }

  componentTypes(): string[] {
    return [...new Set([...this.components.keys(), ...this.lazy.flatMap((e) => e.components ?? [])])].sort();
  }

  runtimeTypes(): string[] {
    return [...new Set([...this.runtimes.keys(), ...this.lazy.flatMap((e) => e.runtimes ?? [])])].sort();
  }

  /**
   * Loads a plugin module named in a compose file: a path (relative to `baseDir`) or
   * an installed package name. Each specifier is loaded once per registry.
   */
  async load(specifier: string, baseDir: string): Promise<void> {
    const isPath = specifier.startsWith(".") || specifier.startsWith("/") || /\.[cm]?[jt]s$/.test(specifier);
    const target = isPath ? path.resolve(baseDir, specifier) : specifier;
    if (this.loaded.has(target)) return;
    let mod: { default?: unknown };
    await this.options.beforeImport?.();
    try {
      if (isPath) {
        // node:url is loaded only here: most projects have no plugin files.
        const { pathToFileURL } = process.getBuiltinModule("node:url") as typeof import("node:url");
        mod = await import(pathToFileURL(target).href);
      } else {
        mod = await import(resolveModule(specifier, baseDir));
      }
    } catch (error) {
      throw new ConfigError(
        `plugin ${describeTarget(specifier, target)} could not be loaded: ${loadFailure(error)}`,
      );
    }
    const plugin = mod.default;
    if (!plugin || typeof plugin !== "object") {
      throw new ConfigError(
        `plugin ${describeTarget(specifier, target)} has no default export; export default definePlugin({ name, components, runtimes })`,
      );
    }
    this.register(plugin as Plugin, describeTarget(specifier, target));
    this.loaded.add(target);
  }
}

function describeTarget(specifier: string, target: string): string {
  return specifier === target ? specifier : `${specifier} (${target})`;
}

/** The reason an import failed; for syntax errors, each with its file:line:column. */
function loadFailure(error: unknown): string {
  const parts = error instanceof AggregateError ? error.errors : [error];
  return parts
    .map((e) => {
      const pos = (e as { position?: { file?: string; line?: number; column?: number } }).position;
      const message = e instanceof Error ? e.message : String(e);
      return pos?.file ? `${pos.file}:${pos.line}:${pos.column}: ${message}` : message;
    })
    .join("; ");
}

function checkPluginShape(plugin: Plugin, origin: string): void {
  const fail = (what: string) => {
    throw new ConfigError(`plugin ${origin}: ${what}`);
  };
  if (typeof plugin.name !== "string" || !plugin.name) fail("the default export needs a string `name`");
  if (plugin.components !== undefined && !Array.isArray(plugin.components))
    fail("`components` must be a list");
  if (plugin.runtimes !== undefined && !Array.isArray(plugin.runtimes)) fail("`runtimes` must be a list");
  for (const [i, c] of (plugin.components ?? []).entries()) {
    if (!c || typeof c.type !== "string") fail(`components[${i}] needs a string \`type\``);
    if (!c.schema || typeof c.schema !== "object" || !("~run" in c.schema)) {
      fail(`component "${c.type}" needs a valibot \`schema\``);
    }
    if (typeof c.create !== "function") fail(`component "${c.type}" needs a \`create\` function`);
    if (!Array.isArray(c.resultVariables)) fail(`component "${c.type}" needs a \`resultVariables\` list`);
  }
  for (const [i, r] of (plugin.runtimes ?? []).entries()) {
    if (!r || typeof r.type !== "string") fail(`runtimes[${i}] needs a string \`type\``);
    if (!r.schema || typeof r.schema !== "object" || !("~run" in r.schema)) {
      fail(`runtime "${r.type}" needs a valibot \`schema\``);
    }
    if (typeof r.create !== "function") fail(`runtime "${r.type}" needs a \`create\` function`);
  }
}
