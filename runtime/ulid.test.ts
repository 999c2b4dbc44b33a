import { describe, expect, test } from "bun:test";
import { decodeTime, isValid } from "ulid";
import { ulid } from "./ulid.ts";

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
    const base = Date.now() + 10_000;
    for (const t of [base, base + 1, base + 31, base + 32, base + 1_000_000])
      expect(decodeTime(ulid(t))).toBe(t);
  });

  test("ids made in one millisecond sort in the order they were made", () => {
    const t = Date.now() + 2_000_000;
    const ids = Array.from({ length: 2000 }, () => ulid(t));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => decodeTime(id) === t)).toBe(true);
  });

  test("a clock that steps back does not break the order", () => {
    const t = Date.now() + 3_000_000;
    const a = ulid(t);
    const b = ulid(t - 500);
    expect(b > a).toBe(true);
    expect(decodeTime(b)).toBe(t);
  });

  test("the random part is random: every digit position takes many values", () => {
    const ids = Array.from({ length: 300 }, (_, i) => ulid(Date.now() + 4_000_000 + i));
    for (let pos = 10; pos < 26; pos++) {
      expect(new Set(ids.map((id) => id[pos])).size).toBeGreaterThan(20);
    }
  });

  test("times outside 48 bits are refused", () => {
    expect(() => ulid(-1)).toThrow(/ULID time must be an integer/);
    expect(() => ulid(2 ** 48)).toThrow(/ULID time must be an integer/);
    expect(() => ulid(1.5)).toThrow(/ULID time must be an integer/);
  });
});
