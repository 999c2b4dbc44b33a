/** Network helpers shared by the test suites. Everything stays on 127.0.0.1. */

/** A TCP port on 127.0.0.1 that was free a moment ago (bound, read, released). */
export function freePort(): number {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}
