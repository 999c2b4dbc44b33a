import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
  describeValue,
  Flag,
  formatIssues,
  int,
  issueReports,
  keyValues,
  mapping,
  parseDurationMs,
  parseGoDurationNs,
  parseSize,
  parses,
  str,
  strictMap,
  Text,
} from "./schema-kit.ts";

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
    expect(parseGoDurationNs(text)).toBe(ns);
  });

  test.each(["", "10", "5x", "s", "1m30", "-1s", "1 s"])("%p is not a duration", (text) => {
    expect(parseGoDurationNs(text)).toBeUndefined();
  });

  test("days only where allowed", () => {
    expect(parseGoDurationNs("1d", false)).toBeUndefined();
    expect(parseGoDurationNs("1h", false)).toBe(3600e9);
  });

  test("core options take bare numbers as seconds and return milliseconds", () => {
    expect(parseDurationMs(5)).toBe(5000);
    expect(parseDurationMs("2.5")).toBe(2500);
    expect(parseDurationMs("1m")).toBe(60_000);
    expect(parseDurationMs(-1)).toBeUndefined();
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

describe("describeValue: one way to name a value in every message", () => {
  test.each([
    [undefined, "nothing"],
    [null, "nothing"],
    [[1, 2], "a list"],
    [{ a: 1 }, "a map"],
    ["abc", 'the string "abc"'],
    [3, "the number 3"],
    [true, "the boolean true"],
    [() => 1, "a function"],
  ])("%p is %p", (value, words) => {
    expect(describeValue(value)).toBe(words);
  });

  test("long strings are cut", () => {
    expect(describeValue("x".repeat(50))).toBe(`the string "${"x".repeat(40)}..."`);
  });
});

describe("formatIssues reports every issue, each with its key path", () => {
  const Schema = strictMap({
    name: Text,
    port: int(1, 65535, "a port number 1-65535"),
    on: v.optional(Flag),
  });

  test("all problems, in order, on one line", () => {
    const result = v.safeParse(Schema, { name: 5, port: 0, on: "yes", colour: "red" });
    expect(result.success).toBe(false);
    expect(formatIssues(result.issues ?? [])).toBe(
      [
        "name: expected a string, found the number 5",
        "port: expected a port number 1-65535, found the number 0",
        'on: expected true or false, found the string "yes"',
        'colour: unknown key "colour" (valid keys: name, port, on)',
      ].join("; "),
    );
  });

  test("a missing key is named, under the caller's prefix", () => {
    const result = v.safeParse(Schema, { name: "a" });
    expect(formatIssues(result.issues ?? [], ["input"])).toBe('input.port: missing required key "port"');
    expect(issueReports(result.issues ?? [])).toEqual([
      { keyPath: ["port"], message: 'missing required key "port"' },
    ]);
  });
});

describe("shape-picking building blocks", () => {
  const Options = mapping(
    { mem_limit: v.optional(str("a size")), env: v.optional(keyValues("environment", true)) },
    "options (a map)",
    { aliases: { memory: "mem_limit" } },
  );
  const messages = (input: unknown) => formatIssues(v.safeParse(Options, input).issues ?? []);

  test("a value of the wrong shape says which shapes were expected", () => {
    expect(messages([1])).toBe("expected options (a map), found a list");
    expect(messages({ env: "A=1" })).toBe(
      'env: expected environment as a map (KEY: value) or a list of "KEY=value" strings, found the string "A=1"',
    );
  });

  test("an alias is suggested before the closest spelling", () => {
    expect(messages({ memory: "1g" })).toStartWith('memory: unknown key "memory"; did you mean "mem_limit"?');
  });

  test("parses turns a parser's error into the issue's message", () => {
    const Even = v.pipe(
      v.number(),
      parses((n: number) => {
        if (n % 2) throw new Error(`expected an even number, found ${describeValue(n)}`);
      }),
    );
    expect(formatIssues(v.safeParse(Even, 3).issues ?? [])).toBe(
      "expected an even number, found the number 3",
    );
  });
});
