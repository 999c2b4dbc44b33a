/**
 * Which methods a path has routes for, so a request with another method is answered
 * 405 with `Allow` (RFC 9110) instead of a 404 that says the path does not exist.
 */

export interface RouteTable {
  /** Records a route (`:name` segments match any one segment). */
  add(method: string, path: string): void;
  /** The methods routed for `path`, HEAD with GET, sorted; empty when none is. */
  allowed(path: string): string[];
}

export function routeTable(): RouteTable {
  const routes: { method: string; pattern: RegExp }[] = [];
  return {
    add(method, path) {
      const source = path
        .split("/")
        .map((segment) =>
          segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
        )
        .join("/");
      routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}/?$`) });
    },
    allowed(path) {
      const methods = new Set<string>();
      for (const r of routes) {
        if (!r.pattern.test(path)) continue;
        methods.add(r.method);
        if (r.method === "GET") methods.add("HEAD");
      }
      return [...methods].sort();
    },
  };
}
