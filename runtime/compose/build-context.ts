/**
 * What every step of building the model shares: the raw document (for positions), the
 * environment, the errors found so far, and compiling `${...}` with its static checks.
 */
import { BindingError, checkTemplate, compileTemplate, type Template } from "../binding/mod.ts";
import { ConfigError, ConfigErrors, type KeyPath } from "../errors.ts";
import { describeWhere, missingEnvOf } from "./env-resolve.ts";
import { locatePath } from "./locations.ts";
import type { MissingEnv } from "./model.ts";

export type Obj = Record<string, unknown>;

export const CONTEXT_SOURCES = ["input", "env", "context"] as const;
export const JOB_INPUT_SOURCES = ["input", "env", "jobs", "output", "context"] as const;
/** Why a component's fields cannot read other jobs, and what to write instead. */
const passThroughInput = (value: string) =>
  `a component reads only its job's input: give the value to the job (input: { x: "\${${value}}" }) and write \${input.x} here`;
export const COMPONENT_FIELD_ADVICE = {
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

export class BuildContext {
  readonly errors: ConfigError[] = [];

  constructor(
    /** The raw merged document: positions are looked up here by key path. */
    protected readonly raw: Obj,
    protected readonly env: Readonly<Record<string, string>>,
  ) {}

  protected fail(reason: string, keyPath: KeyPath): void {
    this.errors.push(new ConfigError(reason, locatePath(this.raw, keyPath), keyPath));
  }

  protected guard<T>(fn: () => T): T | undefined {
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
  protected compile(
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

  protected missingEnv(template: Template | undefined, keyPath: KeyPath): MissingEnv[] {
    return template
      ? missingEnvOf(template, this.env, (inner) => describeWhere(this.raw, [...keyPath, ...inner]))
      : [];
  }
}
