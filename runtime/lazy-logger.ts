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
 * One lazy logger's state. It is the proxy's target, so one handler serves every lazy
 * logger: the runs of the controller make three children each (the run, the job, the
 * component), and a handler with its own closures per child was a dozen objects each.
 * The fields are symbol-keyed and the target is never handed out.
 */
const REAL = Symbol("real");
const MAKE = Symbol("make");
const LEVEL = Symbol("level");
const THRESHOLD = Symbol("threshold");

interface LazyState {
  [REAL]: Logger | undefined;
  [MAKE]: () => Logger;
  [LEVEL]: Level | "silent";
  [THRESHOLD]: number;
}

function materialize(state: LazyState): Logger {
  state[REAL] ??= state[MAKE]();
  return state[REAL];
}

const enabled = (state: LazyState, name: string) =>
  (LEVEL_VALUES[name] ?? Number.POSITIVE_INFINITY) >= state[THRESHOLD];

const handler: ProxyHandler<LazyState> = {
  get(state, prop) {
    const real = state[REAL];
    if (real) return bound(real, prop);
    if (typeof prop === "string") {
      if (LOG_METHODS.has(prop) && !enabled(state, prop)) return noop;
      if (prop === "level") return state[LEVEL];
      if (prop === "isLevelEnabled") return (name: string) => enabled(state, name);
      if (prop === "flush") return (cb?: (err?: Error) => void) => cb?.();
      if (prop === "child") {
        return (bindings: Record<string, unknown>, options?: object) =>
          options === undefined
            ? lazyLogger(state[LEVEL], () => materialize(state).child(bindings))
            : materialize(state).child(bindings, options);
      }
    }
    return bound(materialize(state), prop);
  },
  set(state, prop, value) {
    Reflect.set(materialize(state), prop, value);
    return true;
  },
  has(state, prop) {
    return prop in materialize(state);
  },
  // The state is not the logger's: seen from outside, the target is empty, as it was.
  ownKeys: () => [],
  getOwnPropertyDescriptor: () => undefined,
};

/**
 * A Logger at `level` whose real instance comes from `make()` on first need.
 * `make` must return a logger at the same level.
 */
export function lazyLogger(level: Level | "silent", make: () => Logger): Logger {
  const state: LazyState = {
    [REAL]: undefined,
    [MAKE]: make,
    [LEVEL]: level,
    [THRESHOLD]: LEVEL_VALUES[level] ?? LEVEL_VALUES.info,
  };
  return new Proxy(state, handler) as unknown as Logger;
}

function bound(logger: Logger, prop: string | symbol): unknown {
  const value = Reflect.get(logger, prop);
  return typeof value === "function" ? value.bind(logger) : value;
}
