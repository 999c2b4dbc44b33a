/**
 * Components from the document (and inline on jobs): type fields meet their plugin's
 * schema, actions merge over the component's defaults, fields and `output:` are
 * compiled, and paths into result variables of a fixed shape are checked.
 */
import * as path from "node:path";
import type * as v from "valibot";
import { collectReferences, compileTemplate, type Template } from "../binding/mod.ts";
import { closest, type KeyPath } from "../errors.ts";
import type { ComponentPlugin, PluginRegistry } from "../plugins.ts";
import { BuildContext, COMPONENT_FIELD_ADVICE, CONTEXT_SOURCES, type Obj } from "./build-context.ts";
import { copyLocation, inheritLocation, locateFile, locatePath } from "./locations.ts";
import { isPlainObject } from "./merge.ts";
import type { ActionModel, ComponentModel, MissingEnv } from "./model.ts";
import { COMPONENT_COMMON_KEYS, type ComposeDocument } from "./schema.ts";
import { validateWith } from "./validate.ts";

/** A component's actions by id, and the id of the one a job uses when it names none. */
interface BuiltActions {
  actions: Map<string, ActionModel>;
  defaultAction: string;
}

export class ComponentBuilder extends BuildContext {
  readonly components = new Map<string, ComponentModel>();
  /** Components that are defined but could not be built (already reported). */
  protected readonly broken = new Set<string>();
  /** Components written with `default: true`. */
  protected readonly defaultComponents = new Set<string>();
  /**
   * The actions of an inline component that brings no fields of its own (`component:
   * logger` and nothing else), by plugin: every such job's component has the same
   * ones, so they are built and validated once. Only a build that reported nothing is
   * kept (a missing required field is reported at each job), and not for plugins with
   * path fields, whose actions hold the directory of the file that wrote the job.
   */
  private readonly bareInlineActions = new Map<ComponentPlugin, BuiltActions>();

  constructor(
    raw: Obj,
    protected readonly registry: PluginRegistry,
    env: Readonly<Record<string, string>>,
  ) {
    super(raw, env);
  }

  protected componentPlugin(type: string, keyPath: KeyPath): ComponentPlugin | undefined {
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
    const bare = options.inline && !plugin.pathFields?.length && Object.keys(typeFields).length === 0;
    let built = bare ? this.bareInlineActions.get(plugin) : undefined;
    if (!built) {
      const errorsBefore = this.errors.length;
      built = this.buildActions(plugin, raw, typeFields, keyPath, options.inline);
      if (bare && this.errors.length === errorsBefore) this.bareInlineActions.set(plugin, built);
    }
    const root = this.raw;
    return {
      id: String(raw.id),
      type,
      plugin,
      maxConcurrent: Number(raw.max_concurrent_count ?? 0),
      actions: built.actions,
      defaultAction: built.defaultAction,
      inline: options.inline,
      // Looked up when asked: reading positions is left until something needs one.
      get location() {
        return locatePath(root, keyPath);
      },
    };
  }

  /** The component's actions (`actions:`, `action:` or the type fields alone) and which is the default. */
  private buildActions(
    plugin: ComponentPlugin,
    raw: Obj,
    typeFields: Obj,
    keyPath: KeyPath,
    inline: boolean,
  ): BuiltActions {
    const actions = new Map<string, ActionModel>();
    const rawActions: Array<{ id: string; fields: Obj; output: unknown; path: KeyPath }> = [];
    const componentOutput = inline ? undefined : raw.output;
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
    return { actions, defaultAction: rawActions[0]?.id ?? "default" };
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

  /** A path into a result variable of fixed shape must name one of its fields. */
  protected checkResultFields(t: Template | undefined, plugin: ComponentPlugin, keyPath: KeyPath): void {
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
}
