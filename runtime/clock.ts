/**
 * The current time as an ISO 8601 string, made once per millisecond: a waited run
 * stamps a dozen times (its record, each event), and `new Date().toISOString()` each
 * time was 5% of a run's CPU in the controller's profile (docs/benchmarks.md).
 */
let lastMs = -1;
let lastText = "";

export function isoNow(): string {
  return isoAt(Date.now());
}

/** `isoNow` for a `Date.now()` already taken, when the number is needed too (a duration). */
export function isoAt(now: number): string {
  if (now !== lastMs) {
    lastMs = now;
    lastText = new Date(now).toISOString();
  }
  return lastText;
}
