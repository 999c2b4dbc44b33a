/**
 * The composition of the model-compose program: the built-in plugins, plugin files able
 * to import `model-compose` and `valibot` from this executable, and the worker-thread
 * entry beside this file (embedded as /$bunfs/root/worker.js in the compiled binary).
 */
import { registerHostModules } from "./host-modules.ts";
import { builtinRegistry } from "./plugins/builtin.ts";
import type { Composition } from "./runtime/composition.ts";
import { EMBEDDED_ROOT, isCompiledBinary } from "./runtime/self.ts";

export const builtinComposition: Composition = {
  registry: () => builtinRegistry({ beforeImport: registerHostModules }),
  get workerEntry() {
    return isCompiledBinary() ? `${EMBEDDED_ROOT}/worker.js` : new URL("./worker.ts", import.meta.url).href;
  },
};
