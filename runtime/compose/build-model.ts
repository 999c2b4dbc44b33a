/**
 * The validated document -> components, workflows and jobs ready to run. This is where
 * type-specific fields meet their plugin's schema, `${...}` is compiled and checked
 * statically (sources, job ids), and the job graph is checked (unknown ids, cycles).
 */
import * as path from "node:path";
import type * as v from "valibot";
import {
  BindingError,
  checkTemplate,
  collectReferences,
  compileTemplate,
  inputHintsOf,
  type Template,
} from "../binding/mod.ts";
import { ConfigError, ConfigErrors, closest, type KeyPath } from "../errors.ts";
import type { ComponentPlugin, PluginRegistry } from "../plugins.ts";
import { describeWhere, missingEnvOf } from "./env-resolve.ts";
import { checkJobOrder } from "./job-order.ts";
import { copyLocation, inheritLocation, locateFile, locatePath } from "./locations.ts";
import { isPlainObject } from "./merge.ts";
import type { ActionModel, ComponentModel, InputHint, JobModel, MissingEnv, WorkflowModel } from "./model.ts";
import {
  COMPONENT_COMMON_KEYS,
  type ComposeDocument,
  JOB_COMMON_KEYS,
  type JobConfig,
  type WorkflowConfig,
} from "./schema.ts";
import { validateWith } from "./validate.ts";

type Obj = Record<string, unknown>;

const CONTEXT_SOURCES = ["input", "env", "context"] as const;
const JOB_INPUT_SOURCES = ["input", "env", "jobs", "output", "context"] as const;
/** Why a component's fields cannot read other jobs, and what to write instead. */
const passThroughInput = (value: string) =>
  `a component reads only its job's input: give the value to the job (input: { x: "\${${value}}" }) and write \${input.x} here`;
const COMPONENT_FIELD_ADVICE = {
  jobs: passThroughInput("jobs.ID.output"),
  output: passThroughInput("output"),
};

/**
 * `${HOME}` or `${VAR:-x}` in a shell command is most likely meant for the shell:
 * say how to write a literal `${`.
 */
function literalHint(expression: string): string {
  const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(expression)?.[1];
  if (!name || !/^[A-Z_][A-Z0-9_]*$/.test(name)) return "";
  return ` (to leave \${${expression}} to the shell, write $\${${expression}})`;
}

/** Every string inside a value of maps and lists, with its key path. */
function* stringLeaves(value: unknown, keyPath: KeyPath = []): Generator<[string, KeyPath]> {
  if (typeof value === "string") yield [value, keyPath];
  else if (Array.isArray(value))
    for (const [i, item] of value.entries()) yield* stringLeaves(item, [...keyPath, i]);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) yield* stringLeaves(item, [...keyPath, key]);
  }
}

export class ModelBuilder {
  readonly errors: ConfigError[] = [];
  readonly components = new Map<string, ComponentModel>();
  /** Components that are defined but could not be built (already reported). */
  private readonly broken = new Set<string>();
  /** Components written with `default: true`. */
  private readonly defaultComponents = new Set<string>();

  constructor(
    /** The raw merged document: positions are looked up here by key path. */
    private readonly raw: Obj,
    private readonly registry: PluginRegistry,
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  private fail(reason: string, keyPath: KeyPath): void {
    this.errors.push(new ConfigError(reason, locatePath(this.raw, keyPath), keyPath));
  }

  private guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ConfigErrors) this.errors.push(...error.errors);
      else if (error instanceof ConfigError) this.errors.push(error);
      else throw error;
      return undefined;
    }
  }

  /** Compiles a value's `${...}` and checks its sources; `undefined` stays undefined. */
  private compile(
    value: unknown,
    keyPath: KeyPath,
    sources: readonly string[],
    advice?: Readonly<Record<string, string>>,
  ): Template | undefined {
    if (value === undefined) return undefined;
    let template: Template;
    try {
      template = compileTemplate(value);
    } catch (error) {
      if (!(error instanceof BindingError)) throw error;
      if (typeof value === "string") {
        this.fail(error.message + literalHint(error.expression), keyPath);
      } else {
        // Compiling stops at the first bad string; check each one alone to report them all.
        for (const [text, inner] of stringLeaves(value))
          this.compile(text, [...keyPath, ...inner], sources, advice);
      }
      return undefined;
    }
    for (const e of checkTemplate(template, sources, advice)) {
      const inner = (e as BindingError & { path?: KeyPath }).path ?? [];
      this.fail(e.message + literalHint(e.expression), [...keyPath, ...inner]);
    }
    return template;
  }

  private missingEnv(template: Template | undefined, keyPath: KeyPath): MissingEnv[] {
    return template
      ? missingEnvOf(template, this.env, (inner) => describeWhere(this.raw, [...keyPath, ...inner]))
      : [];
  }

  private componentPlugin(type: string, keyPath: KeyPath): ComponentPlugin | undefined {
    const plugin = this.registry.component(type);
    if (!plugin) {
      const types = this.registry.componentTypes();
      const hint = closest(type, types);
      this.fail(
        `unknown component type "${type}"${hint ? `; did you mean "${hint}"?` : ""} (registered types: ${types.join(", ")})`,
        [...keyPath, "type"],
      );
    }
    return plugin;
  }

  /** Builds one component from its raw map (from `components:` or inline on a job). */
  buildComponent(
    raw: Obj,
    keyPath: KeyPath,
    options: { inline: boolean; commonKeys: readonly string[] },
  ): ComponentModel | undefined {
    const type = String(raw.type);
    const plugin = this.componentPlugin(type, keyPath);
    if (!plugin) return undefined;
    const typeFields: Obj = {};
    inheritLocation(typeFields, raw);
    for (const [k, val] of Object.entries(raw)) {
      if (options.commonKeys.includes(k) || (options.inline && k === "type")) continue;
      typeFields[k] = val;
      copyLocation(raw, k, typeFields, k);
    }
    const actions = new Map<string, ActionModel>();
    const rawActions: Array<{ id: string; fields: Obj; output: unknown; path: KeyPath }> = [];
    const componentOutput = options.inline ? undefined : raw.output;
    if (Array.isArray(raw.actions)) {
      raw.actions.forEach((a, i) => {
        if (isPlainObject(a))
          rawActions.push({
            id: String(a.id),
            fields: a,
            output: a.output ?? componentOutput,
            path: [...keyPath, "actions", i],
          });
      });
    } else if (isPlainObject(raw.action)) {
      rawActions.push({
        id: String(raw.action.id ?? "default"),
        fields: raw.action,
        output: raw.action.output ?? componentOutput,
        path: [...keyPath, "action"],
      });
    } else {
      rawActions.push({ id: "default", fields: {}, output: componentOutput, path: keyPath });
    }
    for (const a of rawActions) {
      if (actions.has(a.id)) {
        this.fail(`duplicate action id "${a.id}"`, [...a.path, "id"]);
        continue;
      }
      const action = this.buildAction(plugin, a.id, typeFields, a.fields, a.output, keyPath, a.path);
      if (action) actions.set(a.id, action);
    }
    const root = this.raw;
    return {
      id: String(raw.id),
      type,
      plugin,
      maxConcurrent: Number(raw.max_concurrent_count ?? 0),
      actions,
      defaultAction: rawActions[0]?.id ?? "default",
      inline: options.inline,
      // Looked up when asked: reading positions is left until something needs one.
      get location() {
        return locatePath(root, keyPath);
      },
    };
  }

  private buildAction(
    plugin: ComponentPlugin,
    id: string,
    typeFields: Obj,
    actionFields: Obj,
    output: unknown,
    componentPath: KeyPath,
    actionPath: KeyPath,
  ): ActionModel | undefined {
    // Action fields win over the component's; each keeps its own position.
    const merged: Obj = {};
    // A missing key is reported where the action (or, with no action, the component) is written.
    inheritLocation(merged, Object.keys(actionFields).length ? actionFields : typeFields);
    for (const [k, val] of Object.entries(typeFields)) {
      merged[k] = val;
      copyLocation(typeFields, k, merged, k);
    }
    for (const [k, val] of Object.entries(actionFields)) {
      if (k === "id" || k === "output") continue;
      const base = merged[k];
      if (isPlainObject(base) && isPlainObject(val)) {
        // Maps (headers, params, env, ...) merge one level deep, the action's keys winning,
        // as a component's defaults are meant to apply to every action.
        const map: Obj = {};
        inheritLocation(map, val);
        for (const [from, entries] of [
          [base, Object.keys(base)],
          [val, Object.keys(val)],
        ] as const) {
          for (const key of entries) {
            map[key] = from[key];
            copyLocation(from, key, map, key);
          }
        }
        merged[k] = map;
      } else {
        merged[k] = val;
      }
      copyLocation(actionFields, k, merged, k);
    }
    const basePath = actionPath === componentPath ? componentPath : actionPath;
    // Values that are bindings are checked when rendered, at run time.
    this.guard(() =>
      validateWith(plugin.schema as v.GenericSchema, merged, basePath, {
        ignore: (issue) => typeof issue.input === "string" && issue.input.includes("${"),
        basePathOf: (key) => (Object.hasOwn(actionFields, key) ? actionPath : componentPath),
      }),
    );
    const deferred = new Map<string, Template>();
    const plain: Obj = {};
    const missingEnv: MissingEnv[] = [];
    for (const [k, val] of Object.entries(merged)) {
      const fieldPath = [...(k in actionFields ? actionPath : componentPath), k];
      if (plugin.deferredFields?.includes(k)) {
        const t = this.compile(val, fieldPath, CONTEXT_SOURCES, COMPONENT_FIELD_ADVICE);
        if (t) deferred.set(k, t);
        missingEnv.push(...this.missingEnv(t, fieldPath));
      } else {
        plain[k] = val;
      }
    }
    const config =
      this.compile(plain, basePath, CONTEXT_SOURCES, COMPONENT_FIELD_ADVICE) ?? compileTemplate({});
    missingEnv.push(...this.missingEnv(config, basePath));
    const outputPath = [...(actionFields.output !== undefined ? actionPath : componentPath), "output"];
    const outputTemplate = this.compile(
      output,
      outputPath,
      [...plugin.resultVariables, ...CONTEXT_SOURCES],
      COMPONENT_FIELD_ADVICE,
    );
    this.checkResultFields(outputTemplate, plugin, outputPath);
    missingEnv.push(...this.missingEnv(outputTemplate, outputPath));
    // Host paths resolve against the directory of the file that wrote them (§2.1), which
    // after merging `-f` files may not be the project's.
    const pathBases = new Map<string, string>();
    for (const field of plugin.pathFields ?? []) {
      const file = locateFile(merged, field);
      if (file) pathBases.set(field, path.dirname(file));
    }
    return { id, config, deferred, output: outputTemplate, missingEnv, pathBases };
  }

  buildComponents(doc: ComposeDocument): void {
    doc.components.forEach((c, i) => {
      const rawComponent = (this.raw.components as Obj[])[i];
      if (this.components.has(c.id)) {
        this.fail(`duplicate component id "${c.id}"`, ["components", i, "id"]);
        return;
      }
      const model = this.buildComponent(rawComponent, ["components", i], {
        inline: false,
        commonKeys: COMPONENT_COMMON_KEYS,
      });
      if (model) this.components.set(c.id, model);
      else this.broken.add(c.id);
      if (c.default) this.defaultComponents.add(c.id);
    });
  }

  buildWorkflows(doc: ComposeDocument): Map<string, WorkflowModel> {
    const workflows = new Map<string, WorkflowModel>();
    doc.workflows.forEach((wf, i) => {
      if (workflows.has(wf.id)) {
        this.fail(`duplicate workflow id "${wf.id}"`, ["workflows", i, "id"]);
        return;
      }
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
      const resultSources = [...component.plugin.resultVariables, ...JOB_INPUT_SOURCES];
      const input = this.compile(job.input, [...jobPath, "input"], JOB_INPUT_SOURCES);
      const output = this.compile(job.output, [...jobPath, "output"], resultSources);
      this.checkResultFields(output, component.plugin, [...jobPath, "output"]);
      const condition = this.compile(job.if, [...jobPath, "if"], JOB_INPUT_SOURCES);
      for (const [t, key] of [
        [input, "input"],
        [output, "output"],
        [condition, "if"],
      ] as const) {
        this.checkJobRefs(t, jobIds, job.id, [...jobPath, key]);
      }
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
      for (const dep of job.depends_on ?? []) {
        if (!jobIds.has(dep)) {
          const hint = closest(dep, jobIds);
          this.fail(`depends on unknown job "${dep}"${hint ? `; did you mean "${hint}"?` : ""}`, [
            ...jobPath,
            "depends_on",
          ]);
        } else if (dep === job.id) {
          this.fail("a job cannot depend on itself", [...jobPath, "depends_on"]);
        }
      }
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
        missingEnv: [
          ...this.missingEnv(input, [...jobPath, "input"]),
          ...this.missingEnv(output, [...jobPath, "output"]),
          ...this.missingEnv(condition, [...jobPath, "if"]),
          ...action.missingEnv,
        ],
        get location() {
          return locatePath(root, jobPath);
        },
        locate: (keyPath) => locatePath(root, [...jobPath, ...keyPath]),
      });
    });
    // Index in the document (a job whose component failed is missing from `jobs`).
    const index = new Map(wf.jobs.map((j, i) => [j.id, i] as const).reverse());
    const jobPathOf = (id: string) => [...path, "jobs", index.get(id) ?? 0];
    const cyclic = !sequential && this.checkCycles(jobs, jobPathOf);
    if (!cyclic) {
      for (const p of checkJobOrder(jobs, sequential, (j) => jobPathOf(j.id))) this.fail(p.reason, p.keyPath);
    }
    const wfInput = this.compile(wf.input, [...path, "input"], CONTEXT_SOURCES);
    const wfOutput = this.compile(wf.output, [...path, "output"], [...JOB_INPUT_SOURCES]);
    this.checkJobRefs(wfOutput, jobIds, undefined, [...path, "output"]);
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

  /** A path into a result variable of fixed shape must name one of its fields. */
  private checkResultFields(t: Template | undefined, plugin: ComponentPlugin, keyPath: KeyPath): void {
    const shapes = plugin.resultFields ?? {};
    for (const r of t ? collectReferences(t) : []) {
      if (!Object.hasOwn(shapes, r.source)) continue;
      const field = r.path[0];
      // `length` and indexes read the variable's whole value (shell: stdout).
      if (typeof field !== "string" || field === "length" || /^-?\d+$/.test(field)) continue;
      const fields = shapes[r.source];
      if (fields.includes(field)) continue;
      const hint = closest(field, fields);
      this.fail(
        `\${${r.expression}}: ${plugin.type} has no "${r.source}.${field}"${hint ? `; did you mean "${r.source}.${hint}"?` : ""} (${r.source} has ${fields.join(", ")})`,
        [...keyPath, ...r.keyPath],
      );
    }
  }

  /** `${jobs.X...}` must name a job of this workflow (and not the job itself). */
  private checkJobRefs(
    t: Template | undefined,
    jobIds: Set<string>,
    self: string | undefined,
    keyPath: KeyPath,
  ): void {
    for (const r of t ? collectReferences(t) : []) {
      if (r.source !== "jobs") continue;
      const id = r.path[0];
      if (typeof id !== "string") continue;
      if (!jobIds.has(id)) {
        const hint = closest(id, jobIds);
        this.fail(
          `\${${r.expression}} refers to unknown job "${id}"${hint ? `; did you mean "${hint}"?` : ""} (jobs: ${[...jobIds].join(", ")})`,
          [...keyPath, ...r.keyPath],
        );
      } else if (id === self) {
        this.fail(`\${${r.expression}} refers to the job's own output`, [...keyPath, ...r.keyPath]);
      }
    }
  }

  /** Reports the first dependency cycle; true when there is one. */
  private checkCycles(jobs: JobModel[], jobPathOf: (id: string) => KeyPath): boolean {
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const state = new Map<string, "visiting" | "done">();
    const visit = (id: string, trail: string[]): boolean => {
      if (state.get(id) === "done") return false;
      if (state.get(id) === "visiting") {
        const cycle = [...trail.slice(trail.indexOf(id)), id];
        this.fail(`dependency cycle: ${cycle.join(" -> ")}`, [...jobPathOf(id), "depends_on"]);
        return true;
      }
      state.set(id, "visiting");
      for (const dep of byId.get(id)?.dependsOn ?? [])
        if (byId.has(dep) && visit(dep, [...trail, id])) return true;
      state.set(id, "done");
      return false;
    };
    return jobs.some((j) => visit(j.id, []));
  }
}
