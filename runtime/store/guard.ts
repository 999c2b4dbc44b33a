/**
 * Keeps the controller up while its database is not: every store call that fails
 * becomes a StoreUnavailableError (the API answers 503 with it), the store is marked
 * unavailable (for /health) and probed every second until it answers again, with a log
 * line each way. The database clients reconnect by themselves; this only notices.
 */
import type { Logger } from "../log.ts";
import type { TaskStore } from "./task-store.ts";

export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
}

export interface StoreHealth {
  driver: string;
  available: boolean;
  /** Why it is unavailable. */
  error?: string;
  /** ISO time it became unavailable. */
  since?: string;
}

export interface GuardedStore {
  store: TaskStore;
  health(): StoreHealth;
}

const PROBE_MS = 1000;

/** `store` behind the guard; `where` names it in messages ("postgres at db:5432/runs"). */
export function guardStore(store: TaskStore, where: string, logger: Logger): GuardedStore {
  let down: { error: string; since: string } | undefined;
  let probe: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  const recovered = () => {
    if (!down) return;
    logger.info({ store: where, down_since: down.since }, "run store reachable again");
    down = undefined;
    clearInterval(probe);
    probe = undefined;
  };
  const failed = (error: unknown): StoreUnavailableError => {
    const reason = error instanceof Error ? error.message : String(error);
    if (!down) {
      down = { error: reason, since: new Date().toISOString() };
      logger.warn({ store: where, err: reason }, "run store unavailable; retrying");
      probe = setInterval(() => {
        if (closed) return;
        store.ping().then(recovered, () => undefined);
      }, PROBE_MS);
      probe.unref?.();
    }
    return new StoreUnavailableError(`the run store (${where}) is unavailable: ${reason}`, { cause: error });
  };

  const guarded = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      if (key === "close") {
        return async () => {
          closed = true;
          clearInterval(probe);
          await target.close();
        };
      }
      return async (...args: unknown[]) => {
        try {
          const result = await value.apply(target, args);
          recovered();
          return result;
        } catch (error) {
          throw failed(error);
        }
      };
    },
  });
  return {
    store: guarded,
    health: () => ({ driver: store.driver, available: !down, ...(down ?? {}) }),
  };
}
