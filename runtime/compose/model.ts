/**
 * The loaded project: the validated compose document turned into ready-to-run parts.
 * Every `${...}` is compiled here once; runs only render.
 */
import type { Template } from "../binding/mod.ts";
import type { KeyPath, SourceLocation } from "../errors.ts";
import type { ComponentPlugin, PluginRegistry } from "../plugins.ts";
import type { ComposeDocument, ControllerConfig, LoggerConfig } from "./schema.ts";

/** An environment variable a template needs but the environment does not have. */
export interface MissingEnv {
  name: string;
  /** `file:line:column key.path` of the value that uses it. */
  where: string;
  /** The same as a position and key path, where known (for a ConfigError). */
  location?: SourceLocation;
  keyPath?: KeyPath;
}

export interface ActionModel {
  id: string;
  /** The type fields (component fields merged with the action's), minus deferred ones. */
  config: Template;
  /** Fields the plugin renders itself (e.g. shell `command`). */
  deferred: Map<string, Template>;
  output?: Template;
  missingEnv: MissingEnv[];
  /** For the plugin's `pathFields`: the directory each was written relative to. */
  pathBases: ReadonlyMap<string, string>;
}

export interface ComponentModel {
  id: string;
  type: string;
  plugin: ComponentPlugin;
  /** 0 = unlimited. Shared by all runs. */
  maxConcurrent: number;
  actions: Map<string, ActionModel>;
  defaultAction: string;
  /** Defined inline by a job rather than in `components:`. */
  inline: boolean;
  location?: SourceLocation;
}

export interface JobModel {
  id: string;
  title?: string;
  component: ComponentModel;
  action: ActionModel;
  input?: Template;
  output?: Template;
  condition?: Template;
  dependsOn: string[];
  timeoutMs?: number;
  retry: { maxAttempts: number; delayMs: number };
  missingEnv: MissingEnv[];
  location?: SourceLocation;
  /** Where a key inside this job was written (`["input", "n"]`), for run-time errors. */
  locate?(keyPath: KeyPath): SourceLocation | undefined;
}

/** About one input field, for the workflow detail route and the page's form. */
export interface InputHint {
  description?: string;
  /** The type named after `as` (`text`, `integer`, `select`, `image`, ...). */
  type?: string;
  /** The choices of `as select/a,b,c`. */
  options?: string[];
}

export interface WorkflowModel {
  id: string;
  title?: string;
  description?: string;
  isDefault: boolean;
  /** `private: true`: not listed nor runnable over the HTTP API (upstream's meaning). */
  isPrivate: boolean;
  /** Optional template shaping the input (defaults, conversions). */
  input?: Template;
  /** Input fields the workflow reads (`${input.X}` anywhere in it). */
  inputVariables: string[];
  /**
   * What the bindings say about an input field besides its name: `@(description ...)`
   * annotations and `as` hints (a type, the options of `select/a,b`).
   */
  inputHints: Readonly<Record<string, InputHint>>;
  /** Input fields read without a default by the workflow's `input:` template. */
  requiredInputs: string[];
  output?: Template;
  jobs: JobModel[];
  /** No job declares `depends_on`: jobs run one after another in the order listed. */
  sequential: boolean;
  missingEnv: MissingEnv[];
}

export interface Project {
  files: string[];
  projectDir: string;
  /** Name used for state directories and container labels: the project directory's name. */
  name: string;
  controller: ControllerConfig;
  components: Map<string, ComponentModel>;
  workflows: Map<string, WorkflowModel>;
  defaultWorkflowId?: string;
  loggers: LoggerConfig[];
  plugins: string[];
  env: Record<string, string>;
  /** Only what `.env`, `--env-file` and `-e` declare (see `declaredEnvironment`). */
  declaredEnv: Record<string, string>;
  registry: PluginRegistry;
  /** The worker-thread module for `threaded: true`, from the program's composition. */
  workerEntry?: string;
  /** The merged, validated document (durations in ms, sizes in bytes, defaults filled in). */
  document: ComposeDocument;
  /**
   * The merged document as written (shorthands normalized, relative paths made absolute,
   * values untransformed): what `config` prints, and loadable again with the same meaning.
   */
  written: Record<string, unknown>;
  /** Non-fatal findings (e.g. an unset variable that nothing has needed yet). */
  warnings: string[];
  /** Variables the controller section needs but the environment lacks. */
  controllerMissingEnv: MissingEnv[];
}
