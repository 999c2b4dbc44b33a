import { describe, expect, test } from "bun:test";
import { spellNaN } from "../../runtime/controller/metrics.ts";
import { parseExposition, parseValue } from "./exposition.ts";

describe("sample values, as Prometheus reads them", () => {
  test.each([
    ["1", 1],
    ["-2.5", -2.5],
    ["+3", 3],
    ["1.", 1],
    [".5", 0.5],
    ["1e3", 1000],
    ["1E-3", 0.001],
    ["+Inf", Number.POSITIVE_INFINITY],
    ["-Inf", Number.NEGATIVE_INFINITY],
    ["inf", Number.POSITIVE_INFINITY],
    ["+infinity", Number.POSITIVE_INFINITY],
    ["-INFINITY", Number.NEGATIVE_INFINITY],
  ])("%s", (text, value) => {
    expect(parseValue(text, "here")).toBe(value);
  });

  test.each(["NaN", "Nan", "nan", "NAN"])("%s is NaN", (text) => {
    expect(parseValue(text, "here")).toBeNaN();
  });

  // Prometheus' text parser refuses hex exponents and digit separators before Go's
  // ParseFloat sees them; Go refuses a signed NaN and anything else.
  test.each(["", "0x1p-2", "1_000", "+NaN", "-nan", "1,5", "one", "Infinit", "1e", "--1"])(
    "%j is refused",
    (text) => {
      expect(() => parseValue(text, "line 3")).toThrow(`line 3: bad value "${text}"`);
    },
  );

  test("a summary whose quantiles prom-client printed as Nan parses", () => {
    const text = [
      "# HELP lag Event loop lag.",
      "# TYPE lag summary",
      'lag{quantile="0.5"} Nan',
      'lag{quantile="0.9"} NaN',
      "lag_sum 0",
      "lag_count 0",
      "",
    ].join("\n");
    const samples = parseExposition(text).get("lag")!.samples;
    expect(samples.map((s) => s.value)).toEqual([Number.NaN, Number.NaN, 0, 0]);
  });
});

describe("spellNaN", () => {
  test("rewrites sample values and nothing else", () => {
    const text = [
      "# HELP x Not a Nan",
      "# TYPE x gauge",
      'x{label="Nan"} Nan',
      'x{label="ends with Nan"} 1',
      "y Nan",
      "z 1",
      "",
    ].join("\n");
    expect(spellNaN(text)).toBe(
      [
        "# HELP x Not a Nan",
        "# TYPE x gauge",
        'x{label="Nan"} NaN',
        'x{label="ends with Nan"} 1',
        "y NaN",
        "z 1",
        "",
      ].join("\n"),
    );
  });
});
