/**
 * Loading, as a pipeline of small steps: find the files -> parse (with positions) ->
 * normalize shorthands per file -> merge -> validate the document -> load plugins ->
 * resolve `${env...}` where it is needed at load time -> build the runnable model.
 * Every problem found along the way is a ConfigError naming file:line:column and key path.
 */
import * as path from "node:path";
import { ConfigError, ConfigErrors } from "../errors.ts";
import type { PluginRegistry } from "../plugins.ts";
import { ModelBuilder } from "./build-model.ts";
import { checkController } from "./controller-checks.ts";
import { declaredEnvironment, loadEnvironment } from "./env.ts";
import { resolveEnvStrings } from "./env-resolve.ts";
import { findComposeFiles } from "./find.ts";
import { type LoadLimits, loadLimits } from "./load-limits.ts";
import { locatePath } from "./locations.ts";
import { mergeDocuments } from "./merge.ts";
import type { Project } from "./model.ts";
import { normalizeFile } from "./normalize.ts";
import { parseYaml } from "./parse.ts";
import { resolveDocumentPaths } from "./paths.ts";
import { readComposeText } from "./read-file.ts";
import { type ComposeDocument, DocumentSchema } from "./schema.ts";
import { findUnsupported, unsupportedError } from "./unsupported.ts";
import { uniqueBy, validateWith } from "./validate.ts";

export interface LoadOptions {
  /** `-f` files; default: model-compose.yml / .yaml in `cwd`. */
  files?: readonly string[];
  cwd?: string;
  /** `--project-directory`; default: the first file's directory. */
  projectDirectory?: string;
  envFiles?: readonly string[];
  envArgs?: readonly string[];
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** An already merged environment (e.g. handed to a worker thread): used as is. */
  env?: Readonly<Record<string, string>>;
  /** The plugins a compose file may name (the program's composition builds it). */
  registry: PluginRegistry;
  /** The worker-thread module for `threaded: true` (see runtime/composition.ts). */
  workerEntry?: string;
  /**
   * Builds only the workflow to run (`run`): the named one, or the file's default when
   * `id` is undefined. The whole file is still read and validated; the other
   * workflows' jobs are not built, so mistakes in them that only building finds (a
   * `${jobs...}` naming no job, an unknown component) are not reported. When the
   * workflow is not in the file, or there is no default, everything is built, so the
   * error lists every workflow.
   */
  only?: { id?: string };
}

/** Reads, merges and validates the compose files into the raw (normalized) document. */
export function readDocument(
  files: readonly string[],
  limits: LoadLimits = loadLimits(),
): Record<string, unknown> {
  const docs = files.map((file) => {
    const text = readComposeText(file, limits.maxFileBytes);
    const parsed = parseYaml(text, file, limits);
    if (parsed === null || (isPlainMap(parsed) && Object.keys(parsed).length === 0)) {
      // One answer for every command: `config` would print `{}`, `run` find nothing to run.
      throw new ConfigError(
        "the compose file is empty; write at least one workflow (under workflows: or workflow:)",
        { file, line: 1, column: 1 },
      );
    }
    if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) {
      throw new ConfigError("expected a map of top-level keys (controller, components, workflows, ...)", {
        file,
        line: 1,
        column: 1,
      });
    }
    return normalizeFile(parsed);
  });
  return mergeDocuments(docs);
}

/**
 * Loads a project: the compose file(s), the environment, the plugins.
 *
 * @example
 * ```ts
 * const project = await loadProject({ files: ["model-compose.yml"], registry: new PluginRegistry() });
 * console.log([...project.workflows.keys()]);
 * ```
 */
export async function loadProject(options: LoadOptions): Promise<Project> {
  const cwd = options.cwd ?? process.cwd();
  const files = findComposeFiles(options.files ?? [], cwd);
  const projectDir = path.resolve(cwd, options.projectDirectory ?? path.dirname(files[0]));
  const sources = {
    projectDir,
    envFiles: options.envFiles,
    envArgs: options.envArgs,
    processEnv: options.processEnv,
    cwd,
  };
  // A worker thread is handed the merged environment; it starts nothing elsewhere.
  const declaredEnv = options.env ? {} : declaredEnvironment(sources);
  const env = options.env ? { ...options.env } : loadEnvironment(sources);
  const raw = readDocument(files, loadLimits(options.processEnv ?? process.env));

  // Load-time env: the controller, loggers and plugin list are needed before any run.
  const warnings: string[] = [];
  // Only `${env...}` can be known this early.
  const loadTime = (key: string) =>
    raw[key] === undefined
      ? { missing: [], errors: [] }
      : resolveEnvStrings(raw, raw[key], [key], env, { envOnly: true });
  const controllerEnv = loadTime("controller");
  const loggerEnv = loadTime("logger");
  const pluginsEnv = loadTime("plugins");
  const bindingErrors = [...controllerEnv.errors, ...loggerEnv.errors, ...pluginsEnv.errors];
  if (bindingErrors.length) throw new ConfigErrors(bindingErrors);
  const controllerMissing = controllerEnv.missing;
  // Loggers are set up and plugins loaded before anything runs: a missing variable there is fatal.
  const needed = [...pluginsEnv.missing, ...loggerEnv.missing];
  if (needed.length) {
    const [m] = needed;
    throw new ConfigError(
      `environment variable ${m.name} is not set (it is needed before any run)`,
      m.location,
      m.keyPath,
    );
  }
  resolveDocumentPaths(raw, projectDir);

  const registry = options.registry;
  let doc: ComposeDocument;
  try {
    doc = validateWith(DocumentSchema, raw) as ComposeDocument;
  } catch (error) {
    // Types this executable lacks make schema errors of their own; name them instead.
    // Component types are judged only when no plugin named in the file may add them.
    const pluginsNamed = Array.isArray(raw.plugins) && raw.plugins.length > 0;
    const types = registry.componentTypes();
    throw unsupportedError(raw, findUnsupported(raw, pluginsNamed ? undefined : types), types) ?? error;
  }
  for (const [i, spec] of doc.plugins.entries()) {
    try {
      await registry.load(spec, projectDir);
    } catch (error) {
      if (error instanceof ConfigError) {
        throw new ConfigError(error.reason, error.location ?? locatePath(raw, ["plugins", i]), [
          "plugins",
          i,
        ]);
      }
      throw error;
    }
  }

  const unsupported = unsupportedError(
    raw,
    findUnsupported(raw, registry.componentTypes()),
    registry.componentTypes(),
  );
  if (unsupported) throw unsupported;
  await registry.prepare(typesNamed(doc));

  const builder = new ModelBuilder(raw, registry, env);
  builder.buildComponents(doc);
  const workflows = builder.buildWorkflows(doc, options.only && workflowToBuild(doc, options.only.id));
  const runtimeType = doc.controller.runtime.type;
  const runtimePlugin = registry.runtime(runtimeType);
  if (!runtimePlugin) {
    builder.errors.push(
      new ConfigError(
        `unknown runtime "${runtimeType}" (registered runtimes: ${registry.runtimeTypes().join(", ")})`,
        locatePath(raw, ["controller", "runtime"]),
        ["controller", "runtime"],
      ),
    );
  } else {
    // Runtime options (docker's ports, volumes, limits, ...) are checked when loading,
    // not only when `up` needs them.
    const rawRuntime =
      (raw.controller as Record<string, unknown> | undefined)?.runtime ?? doc.controller.runtime;
    try {
      const options = validateWith(runtimePlugin.schema, rawRuntime, ["controller", "runtime"]);
      // Valid options that will likely not do what was meant (e.g. written for another image).
      for (const w of runtimePlugin.warnings?.(options, { projectDir, controller: doc.controller }) ?? []) {
        const keyPath = ["controller", "runtime", ...w.keyPath];
        warnings.push(new ConfigError(w.message, locatePath(raw, keyPath), keyPath).message);
      }
    } catch (error) {
      if (error instanceof ConfigErrors) builder.errors.push(...error.errors);
      else throw error;
    }
  }
  builder.errors.push(
    ...checkController(
      doc.controller,
      raw,
      doc.workflows.map((w) => w.id),
    ),
  );
  const defaults = doc.workflows.filter((w) => w.default);
  if (defaults.length > 1) {
    builder.errors.push(
      new ConfigError(`more than one default workflow: ${defaults.map((w) => w.id).join(", ")}`),
    );
  }
  // A component-level mistake is found once per action; report it once.
  if (builder.errors.length) throw new ConfigErrors(uniqueByMessage(builder.errors));

  const missing = [...controllerMissing];
  for (const wf of workflows.values()) {
    missing.push(...wf.missingEnv, ...wf.jobs.flatMap((j) => j.missingEnv));
  }
  for (const m of dedupeMissing(missing)) {
    warnings.push(`environment variable ${m.name} is not set (used at ${m.where})`);
  }
  const defaultWorkflowId = defaultWorkflow(doc);
  return {
    files,
    projectDir,
    name: path.basename(projectDir),
    controller: doc.controller,
    components: builder.components,
    workflows,
    defaultWorkflowId,
    loggers: doc.logger,
    plugins: doc.plugins,
    env,
    declaredEnv,
    registry,
    workerEntry: options.workerEntry,
    document: doc,
    written: raw,
    warnings,
    controllerMissingEnv: controllerMissing,
  };
}

/** The file's default workflow: the one marked `default: true`, else the only one. */
function defaultWorkflow(doc: ComposeDocument): string | undefined {
  const marked = doc.workflows.filter((w) => w.default);
  if (marked.length > 0) return marked[0].id;
  return doc.workflows.length === 1 ? doc.workflows[0].id : undefined;
}

/** `only`'s workflow when the file has it; undefined (build them all) otherwise. */
function workflowToBuild(doc: ComposeDocument, id: string | undefined): string | undefined {
  const wanted = id ?? defaultWorkflow(doc);
  return doc.workflows.some((w) => w.id === wanted) ? wanted : undefined;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function uniqueByMessage(errors: ConfigError[]): ConfigError[] {
  return uniqueBy(errors, (e) => e.message);
}

function dedupeMissing<T extends { name: string; where: string }>(list: T[]): T[] {
  return uniqueBy(list, (m) => `${m.name} ${m.where}`);
}

/** Every name that may be a component or runtime type (component ids included; harmless). */
function typesNamed(doc: ComposeDocument): { components: string[]; runtimes: string[] } {
  const components = doc.components.map((c) => c.type);
  for (const wf of doc.workflows) {
    for (const job of wf.jobs) {
      if (typeof job.component === "string") components.push(job.component);
      else if (job.component && typeof job.component.type === "string") components.push(job.component.type);
    }
  }
  return { components, runtimes: [doc.controller.runtime.type] };
}
