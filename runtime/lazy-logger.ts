/**
 * A pino Logger that does not build its pino instance (nor load pino at all) until a
 * line passes the level filter or something other than logging is asked of it.
 *
 * `model-compose run` logs at "warning" by default, so most runs write no log line;
 * loading pino and its streams for them would cost more than the run itself. The
 * façade answers level checks, `child()` and no-op calls itself and hands everything
 * else to the real logger, made once on first need. Children made before that point
 * become real children of the real logger, with the same bindings, in the same order.
 */
import type { Level, Logger } from "pino";

/** pino's default numeric levels (fixed by pino; `silent` logs nothing). */
const LEVEL_VALUES: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

const LOG_METHODS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);
const noop = () => {};

/**
 * A Logger at `level` whose real instance comes from `make()` on first need.
 * `make` must return a logger at the same level.
 */
export function lazyLogger(level: Level | "silent", make: () => Logger): Logger {
  let real: Logger | undefined;
  const materialize = (): Logger => {
    real ??= make();
    return real;
  };
  const threshold = LEVEL_VALUES[level] ?? LEVEL_VALUES.info;
  const enabled = (name: string) => (LEVEL_VALUES[name] ?? Number.POSITIVE_INFINITY) >= threshold;

  const handler: ProxyHandler<object> = {
    get(_target, prop) {
      if (real) return bound(real, prop);
      if (typeof prop === "string") {
        if (LOG_METHODS.has(prop) && !enabled(prop)) return noop;
        if (prop === "level") return level;
        if (prop === "isLevelEnabled") return (name: string) => enabled(name);
        if (prop === "flush") return (cb?: (err?: Error) => void) => cb?.();
        if (prop === "child") {
          return (bindings: Record<string, unknown>, options?: object) =>
            options === undefined
              ? lazyLogger(level, () => materialize().child(bindings))
              : materialize().child(bindings, options);
        }
      }
      return bound(materialize(), prop);
    },
    set(_target, prop, value) {
      Reflect.set(materialize(), prop, value);
      return true;
    },
    has(_target, prop) {
      return prop in materialize();
    },
  };
  return new Proxy({}, handler) as Logger;
}

function bound(logger: Logger, prop: string | symbol): unknown {
  const value = Reflect.get(logger, prop);
  return typeof value === "function" ? value.bind(logger) : value;
}
