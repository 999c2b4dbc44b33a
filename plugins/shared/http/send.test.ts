import { describe, expect, test } from "bun:test";
import { backoff, isTextual, retryAfter } from "./send.ts";

describe("retry timing", () => {
  test("Retry-After is read as seconds or a date, only on 429/503, and capped", () => {
    expect(retryAfter({ status: 429, headers: { "retry-after": "2" } }, 30_000)).toBe(2000);
    expect(retryAfter({ status: 503, headers: { "retry-after": "120" } }, 30_000)).toBe(30_000);
    expect(retryAfter({ status: 500, headers: { "retry-after": "2" } }, 30_000)).toBeUndefined();
    expect(retryAfter({ status: 429, headers: {} }, 30_000)).toBeUndefined();
    const inFive = new Date(Date.now() + 5000).toUTCString();
    const ms = retryAfter({ status: 429, headers: { "retry-after": inFive } }, 30_000)!;
    expect(ms).toBeGreaterThan(3000);
    expect(ms).toBeLessThanOrEqual(5000);
  });

  test("backoff doubles from delay with ±20 % jitter, capped by max_delay", () => {
    for (let i = 0; i < 50; i++) {
      const first = backoff({ delay: 500, max_delay: 30_000 }, 1);
      const third = backoff({ delay: 500, max_delay: 30_000 }, 3);
      expect(first).toBeGreaterThanOrEqual(400);
      expect(first).toBeLessThanOrEqual(600);
      expect(third).toBeGreaterThanOrEqual(1600);
      expect(third).toBeLessThanOrEqual(2400);
      expect(backoff({ delay: 500, max_delay: 1000 }, 10)).toBeLessThanOrEqual(1000);
    }
  });
});

describe("which responses are text", () => {
  test.each([
    ["application/json", true],
    ["application/problem+json; charset=utf-8", true],
    ["text/plain; version=0.0.4", true],
    ["application/xml", true],
    ["image/svg+xml", true],
    ["audio/mpeg", false],
    ["image/png", false],
    ["application/octet-stream", false],
    ["application/pdf", false],
  ])("%s: %p", (type, textual) => {
    expect(isTextual(type)).toBe(textual);
  });
});
