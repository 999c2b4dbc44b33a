// The threaded executor's worker module, embedded as /$bunfs/root/worker.js.
export { default } from "../../worker.ts";
