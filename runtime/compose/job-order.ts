/**
 * `${jobs.X.output}` in a job reads a job that must have finished by then: one listed
 * before it (sequential workflows) or one it depends on, directly or not (graphs).
 * Anything else is missing, or — worse — there or not depending on timing.
 */

import { collectReferences } from "../binding/mod.ts";
import type { KeyPath } from "../errors.ts";
import type { JobModel } from "./model.ts";

export interface OrderProblem {
  reason: string;
  keyPath: KeyPath;
}

/** The jobs certain to have finished when `job` starts. */
function finishedBefore(job: JobModel, jobs: readonly JobModel[], sequential: boolean): Set<string> {
  if (sequential) return new Set(jobs.slice(0, jobs.indexOf(job)).map((j) => j.id));
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const out = new Set<string>();
  const stack = [...job.dependsOn];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(byId.get(id)?.dependsOn ?? []));
  }
  return out;
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
  for (const job of jobs) {
    const before = finishedBefore(job, jobs, sequential);
    for (const [key, t] of [
      ["input", job.input],
      ["output", job.output],
      ["if", job.condition],
    ] as const) {
      for (const r of t ? collectReferences(t) : []) {
        const id = r.path[0];
        if (r.source !== "jobs" || typeof id !== "string" || !ids.has(id) || id === job.id || before.has(id))
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
