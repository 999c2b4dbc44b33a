/**
 * A value that is read through a function instead of stored properties, for lazy or
 * fallback lookups (e.g. `env` reading the compose env first, then the process).
 */

/**
 * Wraps a lookup function so bindings can read it like an object. Member access on a
 * view calls `get(key)`; `keys`, when given, lists its fields (for `length`, spreads
 * and converting the view to text or plain data).
 *
 * @example
 * const env = new BindingView((k) => overrides[k] ?? process.env[k], () => Object.keys(process.env));
 * renderTemplate(compileTemplate("${env.HOME}"), { env }); // "/home/me"
 */
export class BindingView {
  readonly #get: (key: string | number) => unknown;
  readonly #keys: (() => string[]) | undefined;

  constructor(get: (key: string | number) => unknown, keys?: () => string[]) {
    this.#get = get;
    this.#keys = keys;
  }

  /** The value under `key`, or undefined. */
  get(key: string | number): unknown {
    return this.#get(key);
  }

  /** The view's field names, or undefined when it was made without a key list. */
  keys(): string[] | undefined {
    return this.#keys?.();
  }

  /** Plain data for JSON: every listed key with its value (nothing when keys are unknown). */
  toJSON(): Record<string, unknown> {
    return materialize(this) as Record<string, unknown>;
  }
}

/**
 * Replaces views by plain objects, recursively through what the views return. Other
 * values are returned as they are.
 */
export function materialize(value: unknown): unknown {
  if (!(value instanceof BindingView)) return value;
  const out: Record<string, unknown> = {};
  for (const key of value.keys() ?? []) {
    const v = value.get(key);
    if (v !== undefined && typeof v !== "function") out[key] = materialize(v);
  }
  return out;
}
