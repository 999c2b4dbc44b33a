/**
 * Where in a document the fields a plugin renders itself (`deferredFields`, e.g. the
 * shell's `command`) are written. Such a field must keep its `${env.X}` when `config`
 * prints the document: the plugin passes the value as data (the shell as a variable),
 * while a printed value would become part of the command text.
 */
import { formatKeyPath, type KeyPath } from "../errors.ts";
import type { PluginRegistry } from "../plugins.ts";
import { isPlainObject } from "./merge.ts";

type Obj = Record<string, unknown>;

/** Whether a key path is one of a document's deferred fields. */
export interface DeferredPaths {
  has(path: KeyPath): boolean;
}

/**
 * Every deferred field in `doc`. `has` is asked for every value of the document, so a
 * path whose last key names no deferred field is answered without formatting it.
 */
export function deferredFieldPaths(doc: Obj, registry: PluginRegistry): DeferredPaths {
  const out = new Set<string>();
  const names = new Set<string | number>();
  const types = new Map<string, string>();
  const addComponent = (component: Obj, type: unknown, path: KeyPath) => {
    const fields = typeof type === "string" ? (registry.component(type)?.deferredFields ?? []) : [];
    for (const field of fields) {
      names.add(field);
      out.add(formatKeyPath([...path, field]));
      if (isPlainObject(component.action)) out.add(formatKeyPath([...path, "action", field]));
      if (Array.isArray(component.actions)) {
        component.actions.forEach((_, i) => {
          out.add(formatKeyPath([...path, "actions", i, field]));
        });
      }
    }
  };
  const components = Array.isArray(doc.components) ? doc.components : [];
  components.forEach((c, i) => {
    if (!isPlainObject(c)) return;
    if (typeof c.id === "string" && typeof c.type === "string") types.set(c.id, c.type);
    addComponent(c, c.type, ["components", i]);
  });
  const workflows = Array.isArray(doc.workflows) ? doc.workflows : [];
  workflows.forEach((wf, w) => {
    const jobs = isPlainObject(wf) && Array.isArray(wf.jobs) ? wf.jobs : [];
    jobs.forEach((job, j) => {
      if (!isPlainObject(job)) return;
      const path = ["workflows", w, "jobs", j];
      // An inline component: its fields are on the job, or in a `component:` map.
      if (isPlainObject(job.component))
        addComponent(job.component, job.component.type, [...path, "component"]);
      else if (typeof job.component === "string" && !types.has(job.component))
        addComponent(job, job.component, path);
    });
  });
  return {
    has: (path) => path.length > 0 && names.has(path[path.length - 1]) && out.has(formatKeyPath(path)),
  };
}
