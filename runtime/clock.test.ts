import { expect, test } from "bun:test";
import { isoAt, isoNow } from "./clock.ts";

test("isoNow is the current time in ISO 8601, to the millisecond", () => {
  const before = Date.now();
  const text = isoNow();
  const after = Date.now();
  expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const ms = Date.parse(text);
  expect(ms).toBeGreaterThanOrEqual(before);
  expect(ms).toBeLessThanOrEqual(after);
});

test("isoNow moves with the clock", async () => {
  const first = isoNow();
  await Bun.sleep(5);
  expect(Date.parse(isoNow())).toBeGreaterThan(Date.parse(first));
});

test("isoAt gives the ISO text of the millisecond it is handed, however the calls alternate", () => {
  const times = [0, 1_700_000_000_123, 1_700_000_000_123, 1_700_000_000_124, 0, 951_782_400_000, Date.now()];
  for (const ms of times) expect(isoAt(ms)).toBe(new Date(ms).toISOString());
  const now = Date.now();
  expect(isoAt(now)).toBe(new Date(now).toISOString());
  expect(Date.parse(isoNow())).toBeGreaterThanOrEqual(now);
});
