/**
 * DNS rebinding protection. A web page on evil.example can make its own name resolve
 * to 127.0.0.1 and then talk to a local controller as if it were its own site: the
 * browser's same-origin rule is satisfied, only the `Host` header gives it away. So a
 * controller listening on a loopback address answers only requests addressed to that
 * address, to localhost, to an IP literal (a name cannot be rebound when there is no
 * name), or to a name listed in `controller.allowed_hosts`. Listing names also turns
 * the check on for a controller on another address.
 */
import type { MiddlewareHandler } from "hono";

export interface HostCheckOptions {
  /** The address the server listens on (`controller.host`). */
  boundHost: string;
  /** `controller.allowed_hosts`: extra names; `*` turns the check off. */
  allowedHosts: readonly string[];
}

const isIpLiteral = (host: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith("[");

/** True for 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The host name of a `Host` header (`a.example:8080` -> `a.example`, `[::1]:80` -> `[::1]`), or undefined. */
export function hostName(header: string): string | undefined {
  if (!header || /[\s/?#@]/.test(header)) return undefined;
  try {
    return new URL(`http://${header}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The middleware, or undefined when no check applies (a public address without `allowed_hosts`). */
export function hostCheck({ boundHost, allowedHosts }: HostCheckOptions): MiddlewareHandler | undefined {
  if (allowedHosts.includes("*")) return undefined;
  if (!isLoopback(boundHost) && allowedHosts.length === 0) return undefined;
  const bound = hostName(
    boundHost.includes(":") && !boundHost.startsWith("[") ? `[${boundHost}]` : boundHost,
  );
  const names = new Set(["localhost", ...allowedHosts.map((h) => h.toLowerCase())]);
  if (bound) names.add(bound);
  // The verdict by Host header: clients send the same few, and parsing one as a URL on
  // every request was a measurable part of a small request. Bounded: a client sending a
  // new name each time empties it, it does not grow it.
  const verdicts = new Map<string, boolean>();
  const allowed = (header: string): boolean => {
    let ok = verdicts.get(header);
    if (ok === undefined) {
      const name = hostName(header);
      ok = name !== undefined && (names.has(name) || isIpLiteral(name));
      if (verdicts.size >= 256) verdicts.clear();
      verdicts.set(header, ok);
    }
    return ok;
  };
  return async (c, next) => {
    // Bun and Deno build the request URL from the Host header; the header itself is
    // what the client sent (absent only from HTTP/1.0 clients, which then use the URL's).
    const header = c.req.header("host") ?? new URL(c.req.url).host;
    if (allowed(header)) return next();
    return c.json(
      {
        error: `requests for host ${JSON.stringify(header)} are refused: this controller listens on ${boundHost} and answers only for ${[...names].join(", ")} or an IP address; add the name to controller.allowed_hosts to serve it (a page that reaches the controller under another name, e.g. through DNS rebinding, must not drive it)`,
      },
      403,
    );
  };
}
