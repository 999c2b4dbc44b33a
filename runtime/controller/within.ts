/**
 * Waiting for something, but not for longer than a bound: the controller's shutdown
 * waits like this for runs to settle, for the HTTP server to close and for worker
 * threads to end.
 */

/**
 * Whether `promise` settled (resolved or rejected) within `ms`; resolves as soon as it
 * does, or with false once `ms` have passed, and never rejects. Its timer is cleared
 * then: a timer left pending keeps the process alive until it fires (a stopped
 * controller went on for 10 s before it exited).
 */
export function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, expired]).finally(() => clearTimeout(timer));
}
