/**
 * What a plugin may use of the core. mod.ts exports all of it (`import ... from
 * "model-compose"`), and the built-in runtimes import the core through this module only
 * (core-imports.test.ts beside each checks that), so a change
 * inside the core that keeps this module's exports cannot break a plugin.
 */

import { locatePath } from "./compose/locations.ts";
import type { Project } from "./compose/model.ts";
import { ConfigError, type KeyPath } from "./errors.ts";

export { Binary, BindingView } from "./binding/mod.ts";
export { checkEnvFileLines } from "./compose/env-file-lines.ts";
export { readDocument as readComposeFiles } from "./compose/load.ts";
export type { ComponentModel, JobModel, Project, WorkflowModel } from "./compose/model.ts";
export type { ComposeDocument, ControllerConfig, LoggerConfig } from "./compose/schema.ts";
export { printYaml } from "./compose/yaml-print.ts";
export {
  CancelledError,
  ConfigError,
  ConfigErrors,
  formatKeyPath,
  type KeyPath,
  RunError,
  type SourceLocation,
} from "./errors.ts";
export { isCompiledBinary, runtimeName } from "./host/mod.ts";
export {
  type ComponentCallContext,
  type ComponentCreateContext,
  type ComponentInstance,
  type ComponentPlugin,
  type ComponentResult,
  definePlugin,
  type LocalController,
  lazyRuntime,
  type Plugin,
  type RenderOptions,
  type RuntimeCheckContext,
  type RuntimeCommandOptions,
  type RuntimeContext,
  type RuntimeInstance,
  type RuntimePlugin,
  type RuntimeWarning,
} from "./plugins.ts";
export * from "./schema-kit.ts";

/**
 * A message about a key of the project's compose file, said like a configuration error:
 * `file:line:col: controller.runtime.healthcheck.test: message` (the place when known).
 */
export function messageAt(project: Project, keyPath: KeyPath, message: string): string {
  return new ConfigError(message, locatePath(project.written, keyPath), keyPath).message;
}
