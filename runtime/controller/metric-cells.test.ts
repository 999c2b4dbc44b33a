/**
 * The controller's metrics write exactly what prom-client's own would: the same
 * observations go to a metric-cells metric and to prom-client's Counter, Gauge or
 * Histogram on two registries, and the exposition texts are compared whole.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { CounterMetric, GaugeMetric, HistogramMetric } from "./metric-cells.ts";

const BUCKETS = [0.001, 0.01, 0.1, 1, 10];
const labelValue = fc.constantFrom("a", "b", 'say "hi"\\\n', "wf-1", "");

/** The same four metrics, one set as cells on `ours`, one as prom-client's own on `theirs`. */
const SPECS = {
  counter: { name: "c_total", help: "c", labelNames: ["workflow", "status"] },
  plain: { name: "p_total", help: "p" },
  gauge: { name: "g", help: "g" },
  histogram: { name: "h_seconds", help: "h", labelNames: ["workflow", "status"], buckets: BUCKETS },
};

function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const o = {
    counter: new CounterMetric({ ...SPECS.counter, registers: [ours] }),
    plain: new CounterMetric({ ...SPECS.plain, registers: [ours] }),
    gauge: new GaugeMetric({ ...SPECS.gauge, registers: [ours] }),
    histogram: new HistogramMetric({ ...SPECS.histogram, registers: [ours] }),
  };
  const t = {
    counter: new Counter({ ...SPECS.counter, registers: [theirs] }),
    plain: new Counter({ ...SPECS.plain, registers: [theirs] }),
    gauge: new Gauge({ ...SPECS.gauge, registers: [theirs] }),
    histogram: new Histogram({ ...SPECS.histogram, registers: [theirs] }),
  };
  return { ours, theirs, o, t };
}

describe("metric cells", () => {
  test("any sequence of increments, gauge moves and observations: the same text as prom-client", async () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant("counter" as const),
        workflow: labelValue,
        status: labelValue,
        by: fc.nat(5),
      }),
      fc.record({ kind: fc.constant("plain" as const) }),
      fc.record({ kind: fc.constant("gauge" as const), up: fc.boolean() }),
      fc.record({
        kind: fc.constant("histogram" as const),
        workflow: labelValue,
        status: labelValue,
        // Bucket bounds themselves included: a value equal to a bound is in that bucket.
        value: fc.oneof(fc.constantFrom(...BUCKETS, 0, 100), fc.double({ min: 0, max: 50, noNaN: true })),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const { ours, theirs, o, t } = pair();
        for (const s of steps) {
          if (s.kind === "counter") {
            o.counter.inc({ workflow: s.workflow, status: s.status }, s.by);
            t.counter.inc({ workflow: s.workflow, status: s.status }, s.by);
          } else if (s.kind === "plain") {
            o.plain.inc();
            t.plain.inc();
          } else if (s.kind === "gauge") {
            s.up ? o.gauge.inc() : o.gauge.dec();
            s.up ? t.gauge.inc() : t.gauge.dec();
          } else {
            o.histogram.observe({ workflow: s.workflow, status: s.status }, s.value);
            t.histogram.observe({ workflow: s.workflow, status: s.status }, s.value);
          }
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
      }),
      { numRuns: 200, seed: 20261201 },
    );
  });

  test("labels given in another order or only in part find the same cell, as in prom-client", async () => {
    const { ours, theirs, o, t } = pair();
    for (const m of [o.counter, t.counter]) {
      m.inc({ workflow: "w", status: "ok" });
      m.inc({ status: "ok", workflow: "w" });
      m.inc({ workflow: "w" });
      m.inc({ workflow: "w", status: "" });
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('c_total{workflow="w",status="ok"} 2');
  });

  test("a label the metric does not have, a negative increment and a non-finite value are refused", () => {
    const { o } = pair();
    expect(() => o.counter.inc({ job: "x" })).toThrow(
      'metric c_total has no label "job" (labels: workflow, status)',
    );
    expect(() => o.counter.inc({ workflow: "w" }, -1)).toThrow("a counter cannot decrease");
    expect(() => o.histogram.observe({ workflow: "w" }, Number.NaN)).toThrow("not a finite number");
    expect(() => o.gauge.inc(undefined, Number.POSITIVE_INFINITY)).toThrow("not a finite number");
  });
});
