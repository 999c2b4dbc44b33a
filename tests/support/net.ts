/** Network helpers shared by the test suites. Everything stays on 127.0.0.1. */

/** Binds `port` (0: any) on 127.0.0.1 and releases it at once; the port bound. Throws when taken. */
function bindAndRelease(port: number): number {
  const server = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response() });
  const bound = server.port as number;
  server.stop(true);
  return bound;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bound, read, released). */
export function freePort(): number {
  return bindAndRelease(0);
}

/**
 * A port free on 127.0.0.1 and below the kernel's ephemeral range (32768-60999), for a
 * controller that listens inside a container on the same port it is published on.
 * Docker's embedded DNS listens on 127.0.0.11 at a random ephemeral port in every
 * container on a user-defined network; a controller binding 0.0.0.0 to that same port
 * fails with "address in use". Ports from `freePort` are ephemeral ones, so they can collide.
 */
export function freeContainerPort(): number {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      return bindAndRelease(20000 + Math.floor(Math.random() * 12000));
    } catch {
      // taken on the host: try another
    }
  }
  throw new Error("no free port between 20000 and 31999 on 127.0.0.1");
}
