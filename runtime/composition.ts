/**
 * What the program around the core chooses: which plugins exist and which module a
 * worker thread starts from. `cli.ts`, `mod.ts` and `worker.ts` (beside them) build one
 * and pass it in, so nothing under `runtime/` names a plugin or an entry file.
 */
import type { PluginRegistry } from "./plugins.ts";

export interface Composition {
  /** A fresh registry holding the plugins this program ships (loaded lazily). */
  registry(): PluginRegistry;
  /** URL or path of the worker-thread module for `threaded: true` (its default export runs a run). */
  workerEntry: string;
}
