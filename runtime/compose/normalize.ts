/**
 * Shorthands -> one canonical form, per file and before merging, so that later steps
 * see a single shape:
 * - `component:` / `workflow:` (one) -> `components:` / `workflows:` (lists)
 * - `logger:` map -> list
 * - `controller.adapter: {type, ...}` (newer upstream form) -> fields on `controller`
 * - `controller.runtime: docker` -> `{type: docker}`
 * - `workflow: {component: x, ...}` without `jobs` -> a one-job workflow
 * - job `depends_on: a` -> `[a]`; a job without `id` gets `job-N`
 * - relative paths (plugins, file loggers, docker build/volumes/env_file) -> absolute,
 *   against the directory of the file that wrote them
 * Objects are moved, not copied, so their source positions stay attached.
 */
import * as path from "node:path";
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

export function normalizeFile(raw: unknown, file: string): unknown {
  if (!isPlainObject(raw)) return raw;
  const doc = raw;
  const dir = path.dirname(file);
  if (!Array.isArray(doc.components)) singularToList(doc, "component", "components");
  if (!Array.isArray(doc.workflows)) singularToList(doc, "workflow", "workflows");
  if (isPlainObject(doc.logger)) {
    const list = [doc.logger];
    inheritLocation(list, doc.logger);
    copyLocation(doc, "logger", list, 0);
    doc.logger = list;
  }
  if (isPlainObject(doc.controller)) normalizeController(doc.controller, dir);
  const workflows = doc.workflows;
  if (Array.isArray(workflows)) {
    workflows.forEach((wf, i) => {
      if (isPlainObject(wf)) normalizeWorkflow(wf, workflows.length === 1 ? "default" : `workflow-${i}`);
    });
  }
  if (Array.isArray(doc.plugins)) {
    doc.plugins = doc.plugins.map((p) => (typeof p === "string" && isPathLike(p) ? path.resolve(dir, p) : p));
  }
  if (Array.isArray(doc.logger)) {
    for (const l of doc.logger) {
      if (isPlainObject(l) && typeof l.path === "string") l.path = path.resolve(dir, l.path);
    }
  }
  return doc;
}

function isPathLike(p: string): boolean {
  return p.startsWith("./") || p.startsWith("../") || p.startsWith("/") || /\.[cm]?[jt]s$/.test(p);
}

function normalizeController(controller: Obj, dir: string): void {
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
  if (isPlainObject(controller.runtime)) resolveRuntimePaths(controller.runtime, dir);
}

/** Docker-style options that name host paths resolve against the compose file's directory. */
function resolveRuntimePaths(runtime: Obj, dir: string): void {
  const build = runtime.build;
  if (isPlainObject(build) && typeof build.context === "string")
    build.context = path.resolve(dir, build.context);
  if (typeof runtime.env_file === "string") runtime.env_file = path.resolve(dir, runtime.env_file);
  else if (Array.isArray(runtime.env_file)) {
    runtime.env_file = runtime.env_file.map((f) => (typeof f === "string" ? path.resolve(dir, f) : f));
  }
  if (Array.isArray(runtime.volumes)) {
    runtime.volumes = runtime.volumes.map((vol) => {
      if (typeof vol === "string" && (vol.startsWith(".") || vol.startsWith("~"))) {
        const [src, ...rest] = vol.split(":");
        return [path.resolve(dir, src), ...rest].join(":");
      }
      if (isPlainObject(vol) && (vol.type ?? "bind") === "bind" && typeof vol.source === "string") {
        vol.source = path.resolve(dir, vol.source);
      }
      return vol;
    });
  }
}

/** Adds `key` as the first key of `obj` (so `config` prints ids first); positions are unaffected. */
function putFirst(obj: Obj, key: string, value: unknown): void {
  const rest = Object.entries(obj);
  for (const [k] of rest) delete obj[k];
  obj[key] = value;
  for (const [k, v] of rest) obj[k] = v;
}

function normalizeWorkflow(wf: Obj, fallbackId: string): void {
  if (!("jobs" in wf) && "component" in wf) {
    // One-job shorthand: everything but the workflow's own metadata describes the job.
    const job: Obj = { id: "job" };
    inheritLocation(job, wf);
    for (const [k, v] of Object.entries(wf)) {
      if (k === "id" || k === "title" || k === "description" || k === "default") continue;
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
