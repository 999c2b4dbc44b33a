/**
 * The job graph's checks, each returning the problems it finds: `${jobs.X}` must name
 * a job of the workflow (not the job itself), `depends_on` must name other jobs and
 * make no cycle, and `${jobs.X.output}` in a job reads a job that must have finished
 * by then: one listed before it (sequential workflows) or one it depends on, directly
 * or not (graphs). Anything else is missing, or — worse — there or not depending on timing.
 */

import { collectReferences, type Template } from "../binding/mod.ts";
import { closest, type KeyPath } from "../errors.ts";
import type { JobModel } from "./model.ts";

export interface OrderProblem {
  reason: string;
  keyPath: KeyPath;
}

/**
 * For the job at `index`: whether job `id` is certain to have finished when it starts.
 * Sequential: listed before it (compared by position: a set of the earlier ids per job
 * made a 1000-job file quadratic to load). Graph: reached through its depends_on,
 * walked only for a job that reads another's output.
 */
function finishedBefore(
  jobs: readonly JobModel[],
  sequential: boolean,
): (index: number) => (id: string) => boolean {
  if (sequential) {
    const first = new Map<string, number>();
    jobs.forEach((j, i) => {
      if (!first.has(j.id)) first.set(j.id, i);
    });
    return (index) => (id) => (first.get(id) ?? Number.POSITIVE_INFINITY) < index;
  }
  const byId = new Map(jobs.map((j) => [j.id, j]));
  return (index) => {
    let out: Set<string> | undefined;
    return (id) => {
      if (!out) {
        out = new Set<string>();
        const stack = [...jobs[index].dependsOn];
        while (stack.length > 0) {
          const next = stack.pop()!;
          if (out.has(next)) continue;
          out.add(next);
          stack.push(...(byId.get(next)?.dependsOn ?? []));
        }
      }
      return out.has(id);
    };
  };
}

/**
 * Reads of other jobs' outputs that cannot be relied on. `pathOf` gives each job's key
 * path in the document. Unknown ids and a job's own id are reported elsewhere.
 */
export function checkJobOrder(
  jobs: readonly JobModel[],
  sequential: boolean,
  pathOf: (job: JobModel) => KeyPath,
): OrderProblem[] {
  const ids = new Set(jobs.map((j) => j.id));
  const problems: OrderProblem[] = [];
  const finishedAt = finishedBefore(jobs, sequential);
  for (const [index, job] of jobs.entries()) {
    const before = finishedAt(index);
    for (const [key, t] of [
      ["input", job.input],
      ["output", job.output],
      ["if", job.condition],
    ] as const) {
      for (const r of t ? collectReferences(t) : []) {
        const id = r.path[0];
        if (r.source !== "jobs" || typeof id !== "string" || !ids.has(id) || id === job.id || before(id))
          continue;
        const fix = sequential
          ? `"${id}" is listed after it (without depends_on, jobs run in the order listed)`
          : `add "${id}" to the depends_on of "${job.id}"`;
        problems.push({
          reason: `\${${r.expression}}: job "${id}" is not certain to have finished when job "${job.id}" starts; ${fix}`,
          keyPath: [...pathOf(job), key, ...r.keyPath],
        });
      }
    }
  }
  return problems;
}

/** `${jobs.X...}` must name a job of this workflow (and not the job itself). */
export function checkJobRefs(
  t: Template | undefined,
  jobIds: ReadonlySet<string>,
  self: string | undefined,
  keyPath: KeyPath,
): OrderProblem[] {
  const problems: OrderProblem[] = [];
  for (const r of t ? collectReferences(t) : []) {
    if (r.source !== "jobs") continue;
    const id = r.path[0];
    if (typeof id !== "string") continue;
    if (!jobIds.has(id)) {
      const hint = closest(id, jobIds);
      problems.push({
        reason: `\${${r.expression}} refers to unknown job "${id}"${hint ? `; did you mean "${hint}"?` : ""} (jobs: ${[...jobIds].join(", ")})`,
        keyPath: [...keyPath, ...r.keyPath],
      });
    } else if (id === self) {
      problems.push({
        reason: `\${${r.expression}} refers to the job's own output`,
        keyPath: [...keyPath, ...r.keyPath],
      });
    }
  }
  return problems;
}

/** A job's `depends_on` names other jobs of the workflow. */
export function checkDependencies(
  self: string,
  dependsOn: readonly string[],
  jobIds: ReadonlySet<string>,
  keyPath: KeyPath,
): OrderProblem[] {
  const problems: OrderProblem[] = [];
  for (const dep of dependsOn) {
    if (!jobIds.has(dep)) {
      const hint = closest(dep, jobIds);
      problems.push({
        reason: `depends on unknown job "${dep}"${hint ? `; did you mean "${hint}"?` : ""}`,
        keyPath,
      });
    } else if (dep === self) {
      problems.push({ reason: "a job cannot depend on itself", keyPath });
    }
  }
  return problems;
}

/** The first dependency cycle, as one problem (none when the graph has no cycle). */
export function checkCycles(jobs: readonly JobModel[], jobPathOf: (id: string) => KeyPath): OrderProblem[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const state = new Map<string, "visiting" | "done">();
  let found: OrderProblem | undefined;
  const visit = (id: string, trail: string[]): boolean => {
    if (state.get(id) === "done") return false;
    if (state.get(id) === "visiting") {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      found = {
        reason: `dependency cycle: ${cycle.join(" -> ")}`,
        keyPath: [...jobPathOf(id), "depends_on"],
      };
      return true;
    }
    state.set(id, "visiting");
    for (const dep of byId.get(id)?.dependsOn ?? [])
      if (byId.has(dep) && visit(dep, [...trail, id])) return true;
    state.set(id, "done");
    return false;
  };
  jobs.some((j) => visit(j.id, []));
  return found ? [found] : [];
}
