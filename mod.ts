/**
 * model-compose's public API, for embedding and for plugin authors.
 *
 * @example Run a workflow from code
 * ```ts
 * import { loadProject, runWorkflow } from "model-compose";
 * const project = await loadProject({ files: ["model-compose.yml"] });
 * const { output } = await runWorkflow(project, undefined, { text: "hello" });
 * ```
 *
 * @example A component plugin
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
 *       run: async (_config, input) => ({ output: String(input).toUpperCase(), variables: { result: input } }),
 *     }),
 *   }],
 * });
 * ```
 */

import { builtinComposition } from "./composition.ts";
import { type LoadOptions as CoreLoadOptions, loadProject as loadWith } from "./runtime/compose/load.ts";
import type { Project } from "./runtime/compose/model.ts";

export { builtinPlugins, builtinRegistry } from "./plugins/builtin.ts";
export type { Composition } from "./runtime/composition.ts";
export { builtinComposition };

/** Options of `loadProject`; `registry` defaults to a fresh one with the built-in plugins. */
export type LoadOptions = Omit<CoreLoadOptions, "registry"> & Partial<Pick<CoreLoadOptions, "registry">>;

/**
 * Loads a project: the compose file(s), the environment, the plugins (the built-in ones
 * unless `registry` says otherwise).
 *
 * @example
 * ```ts
 * const project = await loadProject({ files: ["model-compose.yml"] });
 * console.log([...project.workflows.keys()]);
 * ```
 */
export function loadProject(options: LoadOptions = {}): Promise<Project> {
  return loadWith({
    workerEntry: builtinComposition.workerEntry,
    ...options,
    registry: options.registry ?? builtinComposition.registry(),
  });
}
// Everything a plugin may use of the core (the model's types, the schema kit, errors,
// plugin types), then what only embedders need.
export * from "./runtime/plugin-api.ts";
export { PluginRegistry } from "./runtime/plugins.ts";
export { VERSION } from "./runtime/version.ts";
export {
  isFinalEvent,
  type JobFinishedEvent,
  type JobRetryingEvent,
  type JobSkippedEvent,
  type JobStartedEvent,
  type LogEvent,
  type LogStream,
  RUN_EVENT_VERSION,
  type RunEvent,
  type RunEventListener,
  type RunFinishedEvent,
  type RunStartedEvent,
} from "./runtime/workflow/events.ts";
export type { JobState, JobStatus, RunStatus } from "./runtime/workflow/run-state.ts";
export {
  type RunOptions,
  type RunResult,
  runWorkflow,
  selectWorkflow,
} from "./runtime/workflow/run-workflow.ts";
