import { expect, test } from "bun:test";
import { isoNow } from "./clock.ts";

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
