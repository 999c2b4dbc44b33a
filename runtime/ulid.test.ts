import { describe, expect, test } from "bun:test";
import { decodeTime, isValid } from "ulid";
import { createUlidFactory, ulid } from "./ulid.ts";

describe("ulid", () => {
  test("ids are valid ULIDs whose time is the creation time (checked with the ulid package)", () => {
    const before = Date.now();
    const id = ulid();
    const after = Date.now();
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isValid(id)).toBe(true);
    expect(decodeTime(id)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(id)).toBeLessThanOrEqual(after);
  });

  test("the time part encodes the given milliseconds", () => {
    const ulid = createUlidFactory();
    const base = Date.now() + 10_000;
    for (const t of [base, base + 1, base + 31, base + 32, base + 1_000_000])
      expect(decodeTime(ulid(t))).toBe(t);
  });

  test("ids made in one millisecond sort in the order they were made", () => {
    const ulid = createUlidFactory();
    const t = Date.now() + 2_000_000;
    const ids = Array.from({ length: 2000 }, () => ulid(t));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => decodeTime(id) === t)).toBe(true);
  });

  test("a clock that steps back does not break the order", () => {
    const ulid = createUlidFactory();
    const t = Date.now() + 3_000_000;
    const a = ulid(t);
    const b = ulid(t - 500);
    expect(b > a).toBe(true);
    expect(decodeTime(b)).toBe(t);
  });

  test("the random part is random: every digit position takes many values", () => {
    const ulid = createUlidFactory();
    const ids = Array.from({ length: 300 }, (_, i) => ulid(Date.now() + 4_000_000 + i));
    for (let pos = 10; pos < 26; pos++) {
      expect(new Set(ids.map((id) => id[pos])).size).toBeGreaterThan(20);
    }
  });

  test("times outside 48 bits are refused", () => {
    const ulid = createUlidFactory();
    expect(() => ulid(-1)).toThrow(/ULID time must be an integer/);
    expect(() => ulid(2 ** 48)).toThrow(/ULID time must be an integer/);
    expect(() => ulid(1.5)).toThrow(/ULID time must be an integer/);
  });

  test("a maker whose clock moved ahead leaves the process's ids at the current time", () => {
    const future = createUlidFactory();
    future(Date.now() + 86_400_000);
    const before = Date.now();
    const id = ulid();
    expect(decodeTime(id)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(id)).toBeLessThanOrEqual(Date.now());
  });

  test("makers keep their own order: a second maker starts fresh", () => {
    const a = createUlidFactory();
    const b = createUlidFactory();
    const t = 1_000_000;
    a(t + 10);
    // `a` would continue from t + 10; `b` has not seen that time.
    expect(decodeTime(b(t))).toBe(t);
  });
});
