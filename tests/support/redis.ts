/**
 * Removing a queue's keys from a shared Redis: every key under its prefix, found with
 * SCAN, and nothing else (never FLUSHALL: tests and benchmarks share the server).
 */
import IORedis from "ioredis";

/** Deletes every key `PREFIX:*`; a Redis that is already gone has nothing left to remove. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new IORedis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on("error", () => {});
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
  } catch {
    // Gone (a private Redis stopped by its test): nothing to remove.
  } finally {
    redis.disconnect();
  }
}
