/**
 * A value that is read through a function instead of stored properties, for lazy or
 * fallback lookups (e.g. `env` reading the compose env first, then the process).
 */

/**
 * Wraps a lookup function so bindings can read it like an object. Member access on a
 * view calls `get(key)`; `keys`, when given, lists its fields (for `length`, spreads
 * and converting the view to plain data).
 *
 * A view may also stand for a whole value (the optional third argument): then `${x}`,
 * interpolation, conversions, operators and methods see that value, while member reads
 * `x.key` still go through `get` (so they can fall back to something else).
 *
 * @example
 * const env = new BindingView((k) => overrides[k] ?? process.env[k], () => Object.keys(process.env));
 * renderTemplate(compileTemplate("${env.HOME}"), { env }); // "/home/me"
 *
 * const output = new BindingView((k) => previous[k] ?? byJob.get(k), () => Object.keys(previous), previous);
 * renderTemplate(compileTemplate("${output}"), { output }); // previous
 */
export class BindingView {
  readonly #get: (key: string | number) => unknown;
  readonly #keys: (() => string[]) | undefined;
  readonly #hasValue: boolean;
  readonly #value: unknown;

  constructor(get: (key: string | number) => unknown, keys?: () => string[], ...value: [whole?: unknown]) {
    this.#get = get;
    this.#keys = keys;
    this.#hasValue = value.length > 0;
    this.#value = value[0];
  }

  /** The value under `key`, or undefined. */
  get(key: string | number): unknown {
    return this.#get(key);
  }

  /** The view's field names, or undefined when it was made without a key list. */
  keys(): string[] | undefined {
    return this.#keys?.();
  }

  /** Whether the view was made with a whole value (the third constructor argument). */
  get hasValue(): boolean {
    return this.#hasValue;
  }

  /** The whole value the view stands for, if it was given one. */
  get value(): unknown {
    return this.#value;
  }

  /** Plain data for JSON: the whole value, or every listed key with its value. */
  toJSON(): unknown {
    return materialize(this);
  }
}

/** The whole value a view stands for; other values (and views without one) as they are. */
export function unwrap(value: unknown): unknown {
  return value instanceof BindingView && value.hasValue ? value.value : value;
}

/**
 * Replaces views by plain data: a view's whole value when it has one, otherwise an
 * object of its listed keys (recursively through what the view returns). Other values
 * are returned as they are.
 */
export function materialize(value: unknown): unknown {
  if (!(value instanceof BindingView)) return value;
  if (value.hasValue) return value.value;
  const out: Record<string, unknown> = {};
  for (const key of value.keys() ?? []) {
    const v = value.get(key);
    if (v !== undefined && typeof v !== "function") out[key] = materialize(v);
  }
  return out;
}
