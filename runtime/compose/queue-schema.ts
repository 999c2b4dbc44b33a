/**
 * `controller.queue`: where an http-server puts runs and a queue-subscriber takes them
 * (Redis, through BullMQ). Its own file so the controller schema stays a list of keys.
 */
import * as v from "valibot";
import { Count, Duration, describeValue, strictMap, Text } from "../schema-kit.ts";

export const QueueSchema = strictMap({
  driver: v.picklist(["redis"], (i) => `expected "redis", found ${describeValue(i.input)}`),
  /** redis://[user:password@]host:port[/db], or rediss:// for TLS. */
  url: v.pipe(
    Text,
    v.regex(/^rediss?:\/\/\S+$/, "expected a Redis URL like redis://redis:6379 (or rediss:// for TLS)"),
  ),
  /** The queue's name; controllers and workers of one deployment share it. */
  name: v.optional(
    v.pipe(
      Text,
      v.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, "expected a name of letters, digits, '_', '-' or '.'"),
    ),
    "model-compose",
  ),
  /** Key prefix in Redis, so several deployments can share one Redis. */
  prefix: v.optional(
    v.pipe(
      Text,
      v.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, "expected a prefix of letters, digits, '_', '-' or '.'"),
    ),
    "model-compose",
  ),
  /**
   * How long a worker may stay silent before its runs count as stalled and go to
   * another worker (its lock lasts this long and is renewed at half of it).
   */
  stall_timeout: v.optional(Duration, "30s"),
  /** How many times one run may be taken over from a stalled worker before it fails. */
  max_stalls: v.optional(Count, 3),
  /** Finished runs kept in Redis for GET /tasks (the run store keeps the history). */
  keep_finished: v.optional(Count, 1000),
});
export type QueueConfig = v.InferOutput<typeof QueueSchema>;
