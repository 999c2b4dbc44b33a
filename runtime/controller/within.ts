/**
 * Waiting for something, but not for longer than a bound: the controller's shutdown
 * waits like this for runs to settle and for worker threads to end.
 */

/**
 * Settles when `promise` does (resolved or rejected) or after `ms`, whichever is first,
 * and clears its timer then: a timer left pending keeps the process alive until it
 * fires (a stopped controller went on for 10 s before it exited).
 */
export function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  const settled = promise.then(
    () => {},
    () => {},
  );
  return Promise.race([settled, expired]).finally(() => clearTimeout(timer));
}
