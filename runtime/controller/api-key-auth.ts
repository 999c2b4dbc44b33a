/** `controller.auth.api_keys`: `Authorization: Bearer <key>`, compared in constant time. */
import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function apiKeyAuth(keys: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (!token || !keys.some((k) => sameSecret(token, k))) {
      c.header("WWW-Authenticate", 'Bearer realm="model-compose"');
      return c.json({ error: token ? "invalid API key" : "missing Authorization: Bearer <api key>" }, 401);
    }
    await next();
  };
}
