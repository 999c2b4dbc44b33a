/**
 * The plugins that ship inside model-compose, registered exactly like third-party ones,
 * but lazily: each module loads the first time a compose file uses one of its types.
 */
import { type LazyPlugin, type Plugin, PluginRegistry, type RegistryOptions } from "../runtime/plugins.ts";

const def = (m: { default: Plugin }) => m.default;

export const builtinPlugins: readonly LazyPlugin[] = [
  { name: "shell", components: ["shell"], load: () => import("./components/shell/index.ts").then(def) },
  { name: "logger", components: ["logger"], load: () => import("./components/logger/index.ts").then(def) },
  {
    name: "http-client",
    components: ["http-client"],
    load: () => import("./components/http-client/index.ts").then(def),
  },
  {
    name: "prometheus-push",
    components: ["prometheus-push"],
    load: () => import("./components/prometheus-push/index.ts").then(def),
  },
  { name: "native", runtimes: ["native"], load: () => import("./runtimes/native/index.ts").then(def) },
  { name: "docker", runtimes: ["docker"], load: () => import("./runtimes/docker/index.ts").then(def) },
];

/** A registry holding the built-in plugins. */
export function builtinRegistry(options: RegistryOptions = {}): PluginRegistry {
  const registry = new PluginRegistry(options);
  for (const p of builtinPlugins) registry.registerLazy(p);
  return registry;
}
