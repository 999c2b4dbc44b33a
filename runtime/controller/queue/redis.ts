/**
 * BullMQ and ioredis, loaded only by a controller that has `controller.queue` (neither
 * is needed by `run` or a plain http-server, and together they cost a start-up).
 * Connections are made here with explicit ioredis instances so the compiled binary
 * never depends on BullMQ finding ioredis by itself.
 */
import type { QueueConfig } from "../../compose/queue-schema.ts";

export type BullMQ = typeof import("bullmq");
export type Redis = import("ioredis").Redis;

export interface QueueLibs {
  bullmq: BullMQ;
  /** A new connection; `blocking` ones (workers, event readers) wait forever for Redis. */
  connect(role: string, blocking: boolean): Redis;
}

/** Reconnects every 0.2 s at first, then at most every 2 s, forever: Redis may come back. */
export function reconnectDelay(times: number): number {
  return Math.min(200 * times, 2000);
}

export async function loadQueueLibs(config: QueueConfig): Promise<QueueLibs> {
  const [bullmq, ioredis] = await Promise.all([import("bullmq"), import("ioredis")]);
  const IORedis = ioredis.default;
  return {
    bullmq,
    connect(role, blocking) {
      return new IORedis(config.url, {
        connectionName: `model-compose:${role}`,
        // BullMQ's blocking commands must wait for a reconnect instead of failing.
        maxRetriesPerRequest: blocking ? null : 1,
        // A request made while Redis is away fails at once (503) rather than hanging.
        enableOfflineQueue: blocking,
        retryStrategy: reconnectDelay,
        connectTimeout: 5000,
      });
    },
  };
}

/** `redis://user:secret@host:6379/0` -> `redis://host:6379/0`, for messages and /health. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(unparsable URL)";
  }
}
