import { describe, expect, test } from "bun:test";
import { parseDuration, parseDurationText, parseSize } from "./schema-kit.ts";

describe("durations", () => {
  test.each([
    ["30s", 30e9],
    ["1m30s", 90e9],
    ["500ms", 5e8],
    ["1.5h", 5400e9],
    ["2d", 172800e9],
    ["250us", 250e3],
    ["0", 0],
    [" 10s ", 10e9],
  ])("%p is %p ns", (text, ns) => {
    expect(parseDurationText(text)).toBe(ns);
  });

  test.each(["", "10", "5x", "s", "1m30", "-1s", "1 s"])("%p is not a duration", (text) => {
    expect(parseDurationText(text)).toBeUndefined();
  });

  test("days only where allowed", () => {
    expect(parseDurationText("1d", false)).toBeUndefined();
    expect(parseDurationText("1h", false)).toBe(3600e9);
  });

  test("core options take bare numbers as seconds and return milliseconds", () => {
    expect(parseDuration(5)).toBe(5000);
    expect(parseDuration("2.5")).toBe(2500);
    expect(parseDuration("1m")).toBe(60_000);
    expect(parseDuration(-1)).toBeUndefined();
  });
});

describe("sizes", () => {
  test.each([
    ["512m", 512 * 1024 ** 2],
    ["2g", 2 * 1024 ** 3],
    ["1.5g", 1.5 * 1024 ** 3],
    ["256mb", 256 * 1024 ** 2],
    ["1GiB", 1024 ** 3],
    ["10", 10],
    [4096, 4096],
  ])("%p is %p bytes", (value, bytes) => {
    expect(parseSize(value)).toBe(bytes);
  });

  test.each(["2x", "", "m", "-1", "1.5q"])("%p is not a size", (value) => {
    expect(parseSize(value)).toBeUndefined();
  });

  test("fractions of a byte round down; negative numbers are refused", () => {
    expect(parseSize("1.5")).toBe(1);
    expect(parseSize(-1)).toBeUndefined();
  });
});
