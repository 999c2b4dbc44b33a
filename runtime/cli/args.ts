/**
 * Command-line words to option values, on the tokens of node:util's `parseArgs`
 * (arg-tokens.ts gives the same ones without loading node:util). Values stay the exact
 * strings typed (`007` is not 7), a value may start with a dash (`-i -5`), and
 * repeatable options keep their order.
 *
 * The tokens are those of `parseArgs`'s non-strict mode, because its strict mode refuses
 * values that start with a dash; the checks strict mode would make (unknown options,
 * missing values, values given to flags) are made here instead, each naming the option
 * as typed.
 */

import type { Composition } from "../composition.ts";
import { closest } from "../errors.ts";
import { argTokens, type TokenOptions } from "./arg-tokens.ts";

export interface OptionSpec {
  /** The long name without dashes, e.g. `env-file`; its value is under the camelCase key. */
  long: string;
  short?: string;
  /** The value's placeholder in help (`file` for `<file>`); without one the option is a flag. */
  value?: string;
  multiple?: boolean;
  choices?: readonly string[];
  default?: string;
  description: string;
}

/** `env-file` -> `envFile`, as keyOf does at run time. */
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** A string, a list of them for a repeatable option, true for a flag. */
type ValueOf<S extends OptionSpec> = S extends { value: string }
  ? S extends { multiple: true }
    ? string[]
    : string
  : boolean;

/**
 * The values `parseSection` stores for a table of options (`as const`), each under its
 * camelCase key; help and version are answered, not stored.
 */
export type OptionValuesOf<Specs extends readonly OptionSpec[]> = {
  [S in Specs[number] as S["long"] extends "help" | "version" ? never : CamelCase<S["long"]>]?: ValueOf<S>;
};

/** A mistake on the command line: exit code 2, one `error:` line and a hint. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type OptionValues = Record<string, string | string[] | boolean | undefined>;

export interface Section {
  positionals: string[];
  /** Whether a help or version flag was given (they win over any other mistake). */
  help: boolean;
  version: boolean;
  /** The first mistake, in the order typed; thrown by the caller unless help or version wins. */
  error?: UsageError;
  /** With `stopAtPositional`: the index in `args` of the first positional (the command). */
  stop?: number;
}

export const HELP: OptionSpec = { long: "help", short: "h", description: "display help for command" };

export function keyOf(spec: OptionSpec): string {
  return spec.long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The global options as they apply after a command: a short name the command's own
 * options use is the command's (`down -v` is --volumes, as in Docker Compose), so the
 * global option keeps only its long name there.
 */
export function globalsAfter(globals: readonly OptionSpec[], own: readonly OptionSpec[] = []): OptionSpec[] {
  const taken = new Set(own.map((o) => o.short).filter(Boolean));
  return globals.map((o) => (o.short && taken.has(o.short) ? { ...o, short: undefined } : o));
}

/** `-f, --file <file>`, as help and error messages show an option. */
export function flagsOf(spec: OptionSpec): string {
  const long = `--${spec.long}${spec.value ? ` <${spec.value}>` : ""}`;
  return spec.short ? `-${spec.short}, ${long}` : long;
}

/**
 * Parses `args` against `specs`, adding each value to `into` (repeatable options append,
 * others keep the last). With `stopAtPositional`, stops at the first positional.
 */
export function parseSection(
  args: string[],
  specs: readonly OptionSpec[],
  into: OptionValues,
  stopAtPositional = false,
): Section {
  const byName = new Map(specs.map((s) => [s.long, s]));
  const options: TokenOptions = {};
  for (const s of specs) {
    options[s.long] = { type: s.value ? "string" : "boolean", ...(s.short ? { short: s.short } : {}) };
  }
  const tokens = argTokens(args, options);
  const section: Section = { positionals: [], help: false, version: false };
  const fail = (message: string) => {
    section.error ??= new UsageError(message);
  };
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      if (stopAtPositional) {
        section.stop = token.index;
        break;
      }
      section.positionals.push(token.value);
      continue;
    }
    const spec = byName.get(token.name);
    if (!spec) {
      fail(unknownOption(token.rawName, specs));
      continue;
    }
    if (!spec.value) {
      if (token.value !== undefined) fail(`option '${flagsOf(spec)}' does not take a value`);
      else if (spec.long === "help") section.help = true;
      else if (spec.long === "version") section.version = true;
      else into[keyOf(spec)] = true;
      continue;
    }
    if (token.value === undefined) {
      fail(`option '${flagsOf(spec)}' argument missing`);
      continue;
    }
    if (spec.choices && !spec.choices.includes(token.value)) {
      fail(
        `option '${flagsOf(spec)}' argument '${token.value}' is invalid. Allowed choices are ${spec.choices.join(", ")}.`,
      );
      continue;
    }
    const key = keyOf(spec);
    if (spec.multiple) into[key] = [...((into[key] as string[] | undefined) ?? []), token.value];
    else into[key] = token.value;
  }
  return section;
}

function unknownOption(raw: string, specs: readonly OptionSpec[]): string {
  const hint = raw.startsWith("--")
    ? closest(
        raw.slice(2),
        specs.map((s) => s.long),
      )
    : undefined;
  return `unknown option '${raw}'${hint ? ` (did you mean '--${hint}'?)` : ""}`;
}

/** One subcommand: its options, its optional positional arguments, and what runs it. */
export interface CommandSpec {
  name: string;
  description: string;
  args?: ReadonlyArray<{ name: string; description: string }>;
  options?: readonly OptionSpec[];
  run(values: OptionValues, positionals: string[], composition: Composition): Promise<number>;
}
