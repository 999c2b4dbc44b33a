/** The plugins that ship inside model-compose, registered exactly like third-party ones. */
import { PluginRegistry } from "../runtime/plugins.ts";
import httpClient from "./components/http-client/index.ts";
import logger from "./components/logger/index.ts";
import prometheusPush from "./components/prometheus-push/index.ts";
import shell from "./components/shell/index.ts";
import docker from "./runtimes/docker/index.ts";
import native from "./runtimes/native/index.ts";

export const builtinPlugins = [shell, logger, httpClient, prometheusPush, native, docker];

/** A registry holding the built-in plugins. */
export function builtinRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  for (const p of builtinPlugins) registry.register(p);
  return registry;
}
