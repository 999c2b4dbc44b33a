/**
 * Writing keys that come from data. `out[key] = value` with `key` = "__proto__" calls
 * the prototype setter instead of making a key, so a run input's `{"__proto__": ...}`
 * would vanish (or turn into the object's prototype). These write own keys always.
 */

/** Sets `key` on `target` as an ordinary own, enumerable property. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Object.assign({}, ...sources) that keeps every own key, `__proto__` included. */
export function mergeOwn(...sources: object[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const source of sources) for (const [key, value] of Object.entries(source)) setOwn(out, key, value);
  return out;
}
