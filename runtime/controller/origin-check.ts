/**
 * Cross-origin requests. A browser attaches `Origin` to every cross-origin request and
 * to same-origin ones that are not GET/HEAD; a page on another site may send a "simple"
 * POST (no preflight) and cause its effect even though it cannot read the answer. So a
 * request whose `Origin` is neither this controller's own (the same host and port as
 * its `Host`) nor listed in `controller.origins` is refused before any route runs, and
 * CORS headers are sent only for the listed origins (hono's cors middleware).
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/** `controller.origins` as a list (one string is a list of one). */
export function originList(origins: string | readonly string[]): string[] {
  return typeof origins === "string" ? [origins] : [...origins];
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const url = new URL(origin);
    return (
      (url.protocol === "http:" || url.protocol === "https:") && url.host === new URL(`http://${host}`).host
    );
  } catch {
    return false;
  }
}

/** Refuses requests from origins that are not allowed. */
export function originCheck(origins: readonly string[]): MiddlewareHandler {
  const any = origins.includes("*");
  const listed = new Set(origins);
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined || any || listed.has(origin) || sameOrigin(origin, c.req.header("host")))
      return next();
    return c.json(
      {
        error: `cross-origin request from ${JSON.stringify(origin)} refused: controller.origins does not list it${listed.size ? ` (allowed: ${[...listed].join(", ")})` : " (no cross-origin access is allowed)"}`,
      },
      403,
    );
  };
}

/** CORS headers for the listed origins; undefined when none are listed. */
export function corsFor(origins: readonly string[]): MiddlewareHandler | undefined {
  if (origins.length === 0) return undefined;
  return cors({ origin: origins.includes("*") ? "*" : [...origins] });
}
