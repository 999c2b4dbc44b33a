/** prometheus-push without a gateway: exposition text, metric parsing and push URLs. */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  labelNameProblem,
  metricNameProblem,
  parseMetrics,
  renderExposition,
} from "./exposition.ts";
import { bodyFromInput, PrometheusPushSchema } from "./index.ts";
import { pathPair, pushUrl } from "./url.ts";

describe("exposition text", () => {
  test.each([
    [1, "1"],
    [0.25, "0.25"],
    [-3, "-3"],
    [1e21, "1e+21"],
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "+Inf"],
    [Number.NEGATIVE_INFINITY, "-Inf"],
  ])("formatValue(%p) = %p", (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  test.each([
    ["plain", "plain"],
    ['a "quoted" word', 'a \\"quoted\\" word'],
    ["back\\slash", "back\\\\slash"],
    ["two\nlines", "two\\nlines"],
    ['all\\"\n', 'all\\\\\\"\\n'],
  ])("escapeLabelValue(%p) = %p", (value, escaped) => {
    expect(escapeLabelValue(value)).toBe(escaped);
  });

  test.each([
    ["Requests served", "Requests served"],
    ['keeps "quotes"', 'keeps "quotes"'],
    ["back\\slash and\nnewline", "back\\\\slash and\\nnewline"],
  ])("escapeHelp(%p) = %p", (value, escaped) => {
    expect(escapeHelp(value)).toBe(escaped);
  });

  test("metrics render as HELP, TYPE and one line per series", () => {
    const text = renderExposition(
      parseMetrics({
        workflow_execution_total: 1,
        duration_seconds: { value: 1.5, type: "gauge", help: "How long it took", labels: { step: "a" } },
        requests_total: [
          { value: 3, type: "counter", labels: { code: "200" } },
          { value: "4", labels: { code: "500" } },
        ],
        odd: { value: "+Inf", labels: { path: 'C:\\dir "x"\nend' } },
      }),
    );
    expect(text).toBe(
      [
        "# TYPE workflow_execution_total untyped",
        "workflow_execution_total 1",
        "# HELP duration_seconds How long it took",
        "# TYPE duration_seconds gauge",
        'duration_seconds{step="a"} 1.5',
        "# TYPE requests_total counter",
        'requests_total{code="200"} 3',
        'requests_total{code="500"} 4',
        "# TYPE odd untyped",
        'odd{path="C:\\\\dir \\"x\\"\\nend"} +Inf',
        "",
      ].join("\n"),
    );
  });

  test.each([
    [" 12.5 ", 12.5],
    ["NaN", Number.NaN],
    ["-inf", Number.NEGATIVE_INFINITY],
    ["1e3", 1000],
    [true, 1],
    [false, 0],
  ])("value %p is read as %p", (value, expected) => {
    expect(parseMetrics({ m: value })[0].samples[0].value).toBe(expected);
  });
});

describe("metric and label names", () => {
  test.each([
    ["http_requests_total", undefined],
    ["ns:rule_name", undefined],
    ["_private", undefined],
    ["1bad", 'invalid metric name "1bad": expected letters, digits, _ and :, not starting with a digit'],
    [
      "has-dash",
      'invalid metric name "has-dash": expected letters, digits, _ and :, not starting with a digit',
    ],
    ["", 'invalid metric name "": expected letters, digits, _ and :, not starting with a digit'],
  ])("metric name %p", (name, problem) => {
    expect(metricNameProblem(name)).toBe(problem);
  });

  test.each([
    ["instance", undefined],
    ["_x", undefined],
    ["a:b", 'invalid label name "a:b": expected letters, digits and _, not starting with a digit'],
    ["9x", 'invalid label name "9x": expected letters, digits and _, not starting with a digit'],
    ["__name__", 'invalid label name "__name__": names starting with __ are reserved'],
  ])("label name %p", (name, problem) => {
    expect(labelNameProblem(name)).toBe(problem);
  });

  test.each([
    [{ "bad-name": 1 }, 'invalid metric name "bad-name"'],
    [{ ok: { value: 1, labels: { "bad label": "x" } } }, 'metric ok: invalid label name "bad label"'],
    [
      { ok: { value: 1, labels: { __meta: "x" } } },
      'metric ok: invalid label name "__meta": names starting with __',
    ],
    [{ ok: "twelve" }, 'metric ok: value must be a number, found "twelve"'],
    [{ ok: null }, "metric ok: value must be a number, found nothing"],
    [
      { ok: { value: 1, type: "summary" } },
      'metric ok: type "summary" is not supported (use gauge, counter, untyped)',
    ],
    [
      { ok: { value: 1, lables: {} } },
      'metric ok: unknown key "lables" (valid keys: value, type, help, labels)',
    ],
    [{ ok: { type: "gauge" } }, "metric ok: missing `value`"],
    [
      { ok: { value: 1, labels: { a: { b: 1 } } } },
      "metric ok: label a must be a string, number or boolean, found a map",
    ],
    [{ ok: [{ value: 1 }, { value: 2 }] }, "metric ok: two series with the same labels []"],
    [
      {
        ok: [
          { value: 1, type: "gauge" },
          { value: 2, type: "counter", labels: { a: "1" } },
        ],
      },
      "different types",
    ],
    [
      { ok: { value: 1, labels: { job: "other" } } },
      'metric ok: label job="other" conflicts with the grouping label job="j"',
    ],
    [
      { ok: { value: 1, labels: { env: "dev" } } },
      'label env="dev" conflicts with the grouping label env="prod"',
    ],
  ])("parseMetrics(%j) fails: %s", (metrics, message) => {
    expect(() => parseMetrics(metrics, { job: "j", env: "prod" })).toThrow(message);
  });

  test("a metric label equal to its grouping value is allowed", () => {
    expect(
      parseMetrics({ m: { value: 1, labels: { env: "prod" } } }, { env: "prod" })[0].samples[0].labels,
    ).toEqual({
      env: "prod",
    });
  });
});

describe("job input", () => {
  test.each([
    ["raw text", "a 1", "a 1\n"],
    [{ body: "a 1\nb 2\n" }, null, "a 1\nb 2\n"],
    [{ metrics: { a: 1 } }, null, "# TYPE a untyped\na 1\n"],
    [{ metrics: {} }, null, ""],
  ])("input %j", (input, raw, body) => {
    expect(bodyFromInput(raw ?? input, {})).toBe(body);
  });

  test.each([
    [
      undefined,
      "the job input needs `metrics:` (metric name -> value) or a raw `body:` in the exposition format, found nothing",
    ],
    [{ metric: { a: 1 } }, 'the job input has an unknown key "metric" (expected `metrics` or `body`)'],
    [{ metrics: { a: 1 }, body: "a 1" }, "the job input has both `metrics` and `body`; give one of them"],
    [{ body: 5 }, "`body` must be a string, found the number 5"],
    [{ metrics: [1] }, "`metrics` must be a map of metric name to value, found a list"],
  ])("input %j fails", (input, message) => {
    expect(() => bodyFromInput(input, {})).toThrow(message);
  });
});

describe("push URL", () => {
  test.each([
    ["job", "nightly", "job/nightly"],
    ["instance", "host:9000", "instance/host%3A9000"],
    ["path", "a/b", "path@base64/YS9i"],
    ["path", "/", "path@base64/Lw"],
    ["empty", "", "empty@base64/="],
    ["utf", "ü/x", "utf@base64/w7wveA"],
    ["space", "a b", "space/a%20b"],
  ])("pathPair(%p, %p) = %p", (label, value, pair) => {
    expect(pathPair(label, value)).toBe(pair);
  });

  test.each([
    ["http://127.0.0.1:9091", "j", {}, "http://127.0.0.1:9091/metrics/job/j"],
    [
      "http://127.0.0.1:9091/",
      "j",
      { a: "1", b: "x/y" },
      "http://127.0.0.1:9091/metrics/job/j/a/1/b@base64/eC95",
    ],
    ["http://gw/prefix/", "a/b", {}, "http://gw/prefix/metrics/job@base64/YS9i"],
    ["http://gw?x=1", "j", { e: "" }, "http://gw/metrics/job/j/e@base64/="],
  ])("pushUrl(%p, %p, %j) = %p", (base, job, grouping, url) => {
    expect(pushUrl(base, job, grouping as Record<string, string>)).toBe(url);
  });

  test.each([
    ["http://gw", "", {}, "`job` must not be empty"],
    ["gw:9091", "j", {}, "`url` must be http:// or https://"],
    ["not a url", "j", {}, "`url` is not a valid URL"],
    ["http://gw", "j", { "bad-label": "x" }, 'grouping: invalid label name "bad-label"'],
    ["http://gw", "j", { job: "x" }, "grouping: `job` is set by the `job` field"],
  ])("pushUrl(%p, %p, %j) fails", (base, job, grouping, message) => {
    expect(() => pushUrl(base, job, grouping as Record<string, string>)).toThrow(message);
  });
});

describe("schema", () => {
  test("defaults, method case and grouping values as text", () => {
    const config = v.parse(PrometheusPushSchema, {
      url: "http://gw",
      job: "j",
      grouping: { n: 1 },
      method: "put",
    });
    expect(config).toEqual({
      url: "http://gw",
      job: "j",
      grouping: { n: "1" },
      method: "PUT",
      timeout: 30_000,
    });
  });

  test("errors name the bad key or value", () => {
    const messages = (config: unknown) =>
      v.safeParse(PrometheusPushSchema, config).issues?.map((i) => i.message) ?? [];
    expect(messages({ url: "http://gw", job: "j", method: "PATCH" })).toEqual([
      'expected POST (add), PUT (replace) or DELETE, found the string "PATCH"',
    ]);
    expect(messages({ url: "http://gw", job: "j", grouping: { "bad-label": "x" } })).toEqual([
      'invalid label name "bad-label": expected letters, digits and _, not starting with a digit',
    ]);
    expect(messages({ url: "http://gw", job: "j", grouping: { job: "x" } })).toEqual([
      "`job` is set by the `job` field, not as a grouping label",
    ]);
    expect(messages({ url: "http://gw", job: "" })).toEqual(["`job` must not be empty"]);
    expect(messages({ url: "http://gw", jobb: "x", job: "j" })[0]).toStartWith(
      'unknown key "jobb"; did you mean "job"?',
    );
  });
});
