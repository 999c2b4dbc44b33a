/**
 * Entry of a worker thread of the threaded executor (`threaded: true`): runs the
 * workflows the controller sends, with the program's built-in plugins. In the compiled
 * binary it is embedded as /$bunfs/root/worker.js (scripts/build.ts).
 */
import { builtinComposition } from "./composition.ts";
import { workerRunner } from "./runtime/controller/worker-runs.ts";

export default workerRunner(builtinComposition);
