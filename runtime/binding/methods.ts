/**
 * The fixed list of pure methods a binding may call: `value.trim()`, `value.split(",")`, ...
 * Nothing else is callable. A method called on a missing or null value gives undefined,
 * so `| default` still applies.
 */
import { closest } from "../errors.ts";
import { describeValue } from "../schema-kit.ts";
import { isNumeric, lengthOf, looseEquals, toNumber, toText } from "./values.ts";
import { BindingView } from "./view.ts";

/** A call that cannot be made; the evaluator adds the position and expression. */
export class MethodFailure extends Error {}

interface Method {
  /** Smallest and largest number of arguments. */
  readonly arity: readonly [number, number];
  readonly run: (self: unknown, args: readonly unknown[], name: string) => unknown;
}

function text(self: unknown, name: string): string {
  if (typeof self !== "string")
    throw new MethodFailure(`${name}() works on text, not on ${describeValue(self)}`);
  return self;
}

function textArg(value: unknown, name: string, position: number): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new MethodFailure(`${name}() needs text as argument ${position}, not ${describeValue(value)}`);
}

function integerArg(value: unknown, name: string, position: number): number {
  const n = toNumber(value);
  if (!isNumeric(value) || !Number.isInteger(n)) {
    throw new MethodFailure(
      `${name}() needs an integer as argument ${position}, not ${describeValue(value)}`,
    );
  }
  return n;
}

export const METHODS: Readonly<Record<string, Method>> = {
  trim: { arity: [0, 0], run: (self, _args, name) => text(self, name).trim() },
  lower: { arity: [0, 0], run: (self, _args, name) => text(self, name).toLowerCase() },
  upper: { arity: [0, 0], run: (self, _args, name) => text(self, name).toUpperCase() },
  split: {
    arity: [1, 1],
    run: (self, [sep], name) => text(self, name).split(textArg(sep, name, 1)),
  },
  join: {
    arity: [1, 1],
    run: (self, [sep], name) => {
      if (!Array.isArray(self))
        throw new MethodFailure(`${name}() works on a list, not on ${describeValue(self)}`);
      return self.map(toText).join(textArg(sep, name, 1));
    },
  },
  slice: {
    arity: [1, 2],
    run: (self, args, name) => {
      if (typeof self !== "string" && !Array.isArray(self)) {
        throw new MethodFailure(`${name}() works on text or a list, not on ${describeValue(self)}`);
      }
      const start = integerArg(args[0], name, 1);
      const end = args.length > 1 ? integerArg(args[1], name, 2) : undefined;
      return self.slice(start, end);
    },
  },
  replace: {
    arity: [2, 2],
    run: (self, [from, to], name) =>
      text(self, name).replaceAll(textArg(from, name, 1), textArg(to, name, 2)),
  },
  includes: {
    arity: [1, 1],
    run: (self, [needle], name) => {
      if (typeof self === "string") return self.includes(textArg(needle, name, 1));
      if (Array.isArray(self)) return self.some((x) => looseEquals(x, needle));
      throw new MethodFailure(`${name}() works on text or a list, not on ${describeValue(self)}`);
    },
  },
  length: {
    arity: [0, 0],
    run: (self, _args, name) => {
      const n = lengthOf(self);
      if (n === undefined) {
        const what = self instanceof BindingView ? "a view without a key list" : describeValue(self);
        throw new MethodFailure(`${name}() works on text, a list or a map, not on ${what}`);
      }
      return n;
    },
  },
};

export const METHOD_NAMES: readonly string[] = Object.keys(METHODS);

/** Why `name` with `count` arguments cannot be called, or undefined when it can. */
export function checkCall(name: string, count: number): string | undefined {
  const method = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
  if (!method) {
    const hint = closest(name, METHOD_NAMES);
    return `unknown method ${name}()${hint ? ` (did you mean ${hint}()?)` : ""}; available: ${METHOD_NAMES.map((m) => `${m}()`).join(", ")}`;
  }
  const [min, max] = method.arity;
  if (count < min || count > max) {
    const expected = min === max ? `${min}` : `${min} or ${max}`;
    return `${name}() takes ${expected} argument${max === 1 && min === 1 ? "" : "s"}, not ${count}`;
  }
  return undefined;
}

/** Calls a method; missing or null receivers give undefined. */
export function callMethod(name: string, self: unknown, args: readonly unknown[]): unknown {
  const problem = checkCall(name, args.length);
  if (problem) throw new MethodFailure(problem);
  if (self === undefined || self === null) return undefined;
  return METHODS[name]!.run(self, args, name);
}
