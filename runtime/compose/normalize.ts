/**
 * Shorthands -> one canonical form, per file and before merging, so that later steps
 * see a single shape:
 * - `component:` / `workflow:` (one) -> `components:` / `workflows:` (lists)
 * - `loggers:` (upstream's spelling) -> `logger:`; a `logger:` map -> list
 * - a workflow's `job:` (one) -> `jobs:`
 * - a component without `id` -> `__component__` (upstream's id for it), or
 *   `__component__N` when several lack one
 * - `controller.adapter: {type, ...}` (newer upstream form) -> fields on `controller`
 * - `controller.runtime: docker` -> `{type: docker}`
 * - `workflow: {component: x, ...}` without `jobs` -> a one-job workflow (also with only
 *   `input`/`output`/`action`, as upstream's guide writes it: the default component's job)
 * - job `depends_on: a` -> `[a]`; a job without `id` gets `job-N`, a workflow `workflow-N`
 *   (N from 1), or `default` when it is the only one
 * Objects are moved, not copied, so their source positions stay attached.
 */
import { copyLocation, inheritLocation } from "./locations.ts";
import { isPlainObject } from "./merge.ts";

type Obj = Record<string, unknown>;

/** Moves `doc[from]` (a single item) to `doc[to]` (a list), keeping positions. */
function singularToList(doc: Obj, from: string, to: string): void {
  if (!(from in doc)) return;
  const item = doc[from];
  const list: unknown[] = Array.isArray(doc[to]) ? [...(doc[to] as unknown[])] : [];
  inheritLocation(list, isPlainObject(item) ? item : doc);
  copyLocation(doc, from, list, list.length);
  list.push(item);
  delete doc[from];
  doc[to] = list;
  copyLocation(doc, from, doc, to);
}

export function normalizeFile(raw: unknown): unknown {
  if (!isPlainObject(raw)) return raw;
  const doc = raw;
  if (!Array.isArray(doc.components)) singularToList(doc, "component", "components");
  if (!Array.isArray(doc.workflows)) singularToList(doc, "workflow", "workflows");
  if ("loggers" in doc && !("logger" in doc)) {
    doc.logger = doc.loggers;
    copyLocation(doc, "loggers", doc, "logger");
    delete doc.loggers;
  }
  if (isPlainObject(doc.logger)) {
    const list = [doc.logger];
    inheritLocation(list, doc.logger);
    copyLocation(doc, "logger", list, 0);
    doc.logger = list;
  }
  if (isPlainObject(doc.controller)) normalizeController(doc.controller);
  if (Array.isArray(doc.components)) {
    const unnamed = doc.components.filter((c) => isPlainObject(c) && !("id" in c));
    unnamed.forEach((c, i) => {
      putFirst(c as Obj, "id", unnamed.length === 1 ? "__component__" : `__component__${i + 1}`);
    });
  }
  const workflows = doc.workflows;
  if (Array.isArray(workflows)) {
    workflows.forEach((wf, i) => {
      if (isPlainObject(wf)) normalizeWorkflow(wf, workflows.length === 1 ? "default" : `workflow-${i + 1}`);
    });
  }
  return doc;
}

function normalizeController(controller: Obj): void {
  if (isPlainObject(controller.adapter)) {
    const adapter = controller.adapter;
    for (const [k, v] of Object.entries(adapter)) {
      if (!(k in controller)) {
        controller[k] = v;
        copyLocation(adapter, k, controller, k);
      }
    }
    delete controller.adapter;
  }
  if (typeof controller.runtime === "string") {
    const runtime = { type: controller.runtime };
    inheritLocation(runtime, controller);
    copyLocation(controller, "runtime", runtime, "type");
    controller.runtime = runtime;
  }
}

/** Adds `key` as the first key of `obj` (so `config` prints ids first); positions are unaffected. */
function putFirst(obj: Obj, key: string, value: unknown): void {
  const rest = Object.entries(obj);
  for (const [k] of rest) delete obj[k];
  obj[key] = value;
  for (const [k, v] of rest) obj[k] = v;
}

/** Keys that, on a workflow without `jobs`, describe its one job. */
const ONE_JOB_KEYS = ["component", "action", "input", "output"];

/** A one-job workflow's own keys; the others describe its job. */
const WORKFLOW_OWN_KEYS = new Set(["id", "name", "title", "description", "default", "private"]);

function normalizeWorkflow(wf: Obj, fallbackId: string): void {
  if (!Array.isArray(wf.jobs)) singularToList(wf, "job", "jobs");
  // Upstream's guide writes `workflow: {input: ..., output: ...}` beside a component:
  // without `jobs`, any job key makes the one-job shorthand (the job uses the default component).
  if (!("jobs" in wf) && ONE_JOB_KEYS.some((k) => k in wf)) {
    // One-job shorthand: everything but the workflow's own metadata describes the job.
    const job: Obj = { id: "job" };
    inheritLocation(job, wf);
    for (const [k, v] of Object.entries(wf)) {
      if (WORKFLOW_OWN_KEYS.has(k)) continue;
      job[k] = v;
      copyLocation(wf, k, job, k);
      delete wf[k];
    }
    const jobs = [job];
    inheritLocation(jobs, wf);
    wf.jobs = jobs;
  }
  if (!("id" in wf)) putFirst(wf, "id", fallbackId);
  if (Array.isArray(wf.jobs)) {
    wf.jobs.forEach((job, i) => {
      if (!isPlainObject(job)) return;
      if (!("id" in job)) putFirst(job, "id", `job-${i + 1}`);
      if (typeof job.depends_on === "string") {
        const list = [job.depends_on];
        inheritLocation(list, job);
        copyLocation(job, "depends_on", list, 0);
        job.depends_on = list;
      }
    });
  }
}
