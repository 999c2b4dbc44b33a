/**
 * The validated document -> components, workflows and jobs ready to run: components
 * come from build-component.ts; here each workflow's jobs find their component and
 * action, their `${...}` is compiled and checked, and the job graph is checked
 * (job-order.ts: references to jobs, dependencies, cycles, what has finished when).
 */
import { collectReferences, inputHintsOf, type Template } from "../binding/mod.ts";
import { closest, type KeyPath } from "../errors.ts";
import { ComponentBuilder } from "./build-component.ts";
import { CONTEXT_SOURCES, JOB_INPUT_SOURCES, type Obj } from "./build-context.ts";
import {
  checkCycles,
  checkDependencies,
  checkJobOrder,
  checkJobRefs,
  type OrderProblem,
} from "./job-order.ts";
import { copyLocation, inheritLocation, locatePath } from "./locations.ts";
import { isPlainObject } from "./merge.ts";
import type { ComponentModel, InputHint, JobModel, MissingEnv, WorkflowModel } from "./model.ts";
import {
  COMPONENT_COMMON_KEYS,
  type ComposeDocument,
  JOB_COMMON_KEYS,
  type JobConfig,
  type WorkflowConfig,
} from "./schema.ts";

export class ModelBuilder extends ComponentBuilder {
  private report(problems: readonly OrderProblem[]): void {
    for (const p of problems) this.fail(p.reason, p.keyPath);
  }

  /**
   * Every workflow, or only the one named `only`: the others are then validated (the
   * document schema, duplicate ids) but their jobs are not built. Building is most of
   * loading, so `run` of one workflow of a large file pays for that one alone.
   */
  buildWorkflows(doc: ComposeDocument, only?: string): Map<string, WorkflowModel> {
    const workflows = new Map<string, WorkflowModel>();
    const seen = new Set<string>();
    doc.workflows.forEach((wf, i) => {
      if (seen.has(wf.id)) {
        this.fail(`duplicate workflow id "${wf.id}"`, ["workflows", i, "id"]);
        return;
      }
      seen.add(wf.id);
      if (only !== undefined && wf.id !== only) return;
      const model = this.buildWorkflow(wf, ["workflows", i]);
      if (model) workflows.set(wf.id, model);
    });
    return workflows;
  }

  private resolveJobComponent(job: JobConfig, rawJob: Obj, path: KeyPath): ComponentModel | undefined {
    const ids = [...this.components.keys()];
    const ref = job.component;
    const extraKeys = Object.keys(rawJob).filter((k) => !(JOB_COMMON_KEYS as readonly string[]).includes(k));
    if (ref === undefined || isPlainObject(ref)) {
      // Only a job naming a component type carries that type's fields.
      const where = ref === undefined ? "a job without component:" : "a job with an inline component map";
      for (const k of extraKeys) {
        const hint = closest(k, JOB_COMMON_KEYS);
        this.fail(
          `unknown key "${k}" on ${where}${hint ? `; did you mean "${hint}"?` : ""} (valid keys: ${JOB_COMMON_KEYS.join(", ")}; type fields such as "${k}" belong on the component)`,
          [...path, k],
        );
      }
    }
    if (ref === undefined) {
      // Upstream's meaning: the only component, else the one marked `default: true`.
      if (ids.length === 1) return this.components.get(ids[0]);
      if (ids.length === 0 && this.broken.size === 1) return undefined;
      const marked = ids.filter((id) => this.defaultComponents.has(id));
      if (marked.length === 1) return this.components.get(marked[0]);
      this.fail(
        marked.length > 1
          ? `missing required key "component": several components are marked default: true (${marked.join(", ")})`
          : `missing required key "component" (components defined: ${ids.join(", ") || "none"}; mark one default: true to use it for jobs without component:)`,
        path,
      );
      return undefined;
    }
    if (isPlainObject(ref)) {
      const inlineRaw: Obj = { ...ref, id: `${job.id}` };
      inheritLocation(inlineRaw, rawJob.component as Obj);
      for (const k of Object.keys(ref)) copyLocation(rawJob.component as Obj, k, inlineRaw, k);
      return this.buildComponent(inlineRaw, [...path, "component"], {
        inline: false,
        commonKeys: COMPONENT_COMMON_KEYS,
      });
    }
    // Its own error is reported already; "unknown component" here would only mislead.
    if (this.broken.has(ref)) return undefined;
    const defined = this.components.get(ref);
    if (defined) {
      for (const k of extraKeys) {
        const hint = closest(k, JOB_COMMON_KEYS);
        this.fail(
          `unknown key "${k}" on a job that uses component "${ref}"${hint ? `; did you mean "${hint}"?` : ""} (type fields such as "${k}" belong on the component, or use an inline component: component: <type>)`,
          [...path, k],
        );
      }
      return defined;
    }
    if (this.registry.component(ref)) {
      // Inline component: the job's own type fields form a component of that type.
      const inlineRaw: Obj = { id: job.id, type: ref };
      inheritLocation(inlineRaw, rawJob);
      for (const k of extraKeys) {
        inlineRaw[k] = rawJob[k];
        copyLocation(rawJob, k, inlineRaw, k);
      }
      return this.buildComponent(inlineRaw, path, { inline: true, commonKeys: ["id", "type"] });
    }
    const types = this.registry.componentTypes();
    const hint = closest(ref, [...ids, ...types]);
    this.fail(
      `unknown component "${ref}"${hint ? `; did you mean "${hint}"?` : ""}: no component has this id (defined: ${ids.join(", ") || "none"}) and no component type has this name (types: ${types.join(", ")})`,
      [...path, "component"],
    );
    return undefined;
  }

  private buildWorkflow(wf: WorkflowConfig, path: KeyPath): WorkflowModel | undefined {
    const root = this.raw;
    const rawWf = this.raw.workflows ? ((this.raw.workflows as Obj[])[path[1] as number] as Obj) : {};
    const rawJobs = (rawWf.jobs as Obj[]) ?? [];
    const jobIds = new Set<string>();
    wf.jobs.forEach((j, i) => {
      if (jobIds.has(j.id))
        this.fail(`duplicate job id "${j.id}" in workflow "${wf.id}"`, [...path, "jobs", i, "id"]);
      jobIds.add(j.id);
    });
    const sequential = wf.jobs.every((j) => j.depends_on === undefined);
    const jobs: JobModel[] = [];
    const inputVariables = new Set<string>();
    const inputHints: Record<string, InputHint> = {};
    const noteInputs = (t: Template | undefined) => {
      for (const r of t ? collectReferences(t) : []) {
        if (r.source === "input" && typeof r.path[0] === "string") inputVariables.add(r.path[0]);
      }
      for (const [name, hint] of Object.entries(t ? inputHintsOf(t) : {}))
        inputHints[name] = { ...hint, ...inputHints[name] };
    };
    wf.jobs.forEach((job, i) => {
      const jobPath = [...path, "jobs", i];
      const rawJob = rawJobs[i];
      const component = this.resolveJobComponent(job, rawJob, jobPath);
      if (!component) return;
      const actionId = job.action ?? component.defaultAction;
      const action = component.actions.get(actionId);
      if (!action) {
        const ids = [...component.actions.keys()];
        this.fail(`component "${component.id}" has no action "${actionId}" (actions: ${ids.join(", ")})`, [
          ...jobPath,
          "action",
        ]);
        return;
      }
      // Each of the job's templates with its key, compiled and checked. Most jobs write
      // only `input:`; the others' key paths and checks are not built for nothing.
      const templates: Array<[Template, "input" | "output" | "if"]> = [];
      const compiled = (value: unknown, key: "input" | "output" | "if", sources: readonly string[]) => {
        if (value === undefined) return undefined;
        const t = this.compile(value, [...jobPath, key], sources);
        if (t) templates.push([t, key]);
        return t;
      };
      const input = compiled(job.input, "input", JOB_INPUT_SOURCES);
      const output = compiled(job.output, "output", [
        ...component.plugin.resultVariables,
        ...JOB_INPUT_SOURCES,
      ]);
      if (output) this.checkResultFields(output, component.plugin, [...jobPath, "output"]);
      const condition = compiled(job.if, "if", JOB_INPUT_SOURCES);
      const missingEnv: MissingEnv[] = [];
      for (const [t, key] of templates) {
        this.report(checkJobRefs(t, jobIds, job.id, [...jobPath, key]));
        missingEnv.push(...this.missingEnv(t, [...jobPath, key]));
      }
      missingEnv.push(...action.missingEnv);
      noteInputs(input);
      noteInputs(condition);
      // The component reads the workflow's input when the job passes it whole
      // (no `input:`, or upstream's `input: ${input}`).
      const passesInput =
        job.input === undefined || (typeof job.input === "string" && /^\$\{\s*input\s*\}$/.test(job.input));
      if (component.inline || passesInput) {
        noteInputs(action.config);
        for (const t of action.deferred.values()) noteInputs(t);
      }
      this.report(checkDependencies(job.id, job.depends_on ?? [], jobIds, [...jobPath, "depends_on"]));
      jobs.push({
        id: job.id,
        title: job.title,
        component,
        action,
        input,
        output,
        condition,
        dependsOn: job.depends_on ?? [],
        timeoutMs: job.timeout,
        retry: { maxAttempts: job.retry?.max_attempts ?? 1, delayMs: job.retry?.delay ?? 0 },
        missingEnv,
        get location() {
          return locatePath(root, jobPath);
        },
        locate: (keyPath) => locatePath(root, [...jobPath, ...keyPath]),
      });
    });
    // Index in the document (a job whose component failed is missing from `jobs`).
    const index = new Map(wf.jobs.map((j, i) => [j.id, i] as const).reverse());
    const jobPathOf = (id: string) => [...path, "jobs", index.get(id) ?? 0];
    const cycle = sequential ? [] : checkCycles(jobs, jobPathOf);
    this.report(cycle);
    if (!cycle.length) this.report(checkJobOrder(jobs, sequential, (j) => jobPathOf(j.id)));
    const wfInput = this.compile(wf.input, [...path, "input"], CONTEXT_SOURCES);
    const wfOutput = this.compile(wf.output, [...path, "output"], [...JOB_INPUT_SOURCES]);
    this.report(checkJobRefs(wfOutput, jobIds, undefined, [...path, "output"]));
    noteInputs(wfInput);
    const requiredInputs = wfInput
      ? collectReferences(wfInput)
          .filter((r) => r.source === "input" && typeof r.path[0] === "string" && !/\|/.test(r.expression))
          .map((r) => String(r.path[0]))
      : [];
    return {
      id: wf.id,
      title: wf.title || wf.name || undefined,
      description: wf.description ?? undefined,
      isDefault: wf.default,
      isPrivate: wf.private,
      inputHints,
      input: wfInput,
      inputVariables: [...inputVariables].sort(),
      requiredInputs: [...new Set(requiredInputs)],
      output: wfOutput,
      jobs,
      sequential,
      missingEnv: [
        ...this.missingEnv(wfInput, [...path, "input"]),
        ...this.missingEnv(wfOutput, [...path, "output"]),
      ],
    };
  }
}
