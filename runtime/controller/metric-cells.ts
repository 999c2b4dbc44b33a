/**
 * The controller's own counters, gauges and histograms, recorded on every run and job
 * and exposed through prom-client's registry, which writes the text format (names,
 * escaping, the order of a histogram's lines) as for its own metrics.
 *
 * Why not prom-client's Counter, Gauge and Histogram: each of their calls checks the
 * label names, sorts them into a hash key, and allocates a closure and a label-value
 * pair; on a waited one-job run that was about a tenth of the controller's CPU
 * (docs/benchmarks.md). Here the label values in declared order are the key, and the
 * names are checked once, when a label set is first seen. The output is compared with
 * prom-client's own, line for line, in metric-cells.test.ts.
 */
import type { Registry } from "prom-client";

export type Labels = Readonly<Record<string, string | number>>;

interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
  registers: readonly Registry[];
}

/** One line (or, for a histogram, one group of lines) of a metric's output. */
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
  sharedLabels?: Labels;
}

/** What prom-client's registry asks of a metric (`get()`, as for a custom collector). */
interface Collected {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  values: Sample[];
  aggregator: "sum";
}

abstract class LabeledCells<C> {
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly string[];
  /** Every cell, in the order its label set was first seen (the order of the output). */
  protected readonly cells: C[] = [];
  /**
   * Cells by label value, one level of maps per label name in declared order: looking
   * a cell up builds no key string (joining the values into one key on every
   * observation was the largest part of recording a metric).
   */
  private readonly tree = new Map<string, unknown>();

  constructor(options: MetricOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    for (const registry of options.registers) registry.registerMetric(this as never);
  }

  protected abstract create(labels: Labels): C;

  /** The cell of `labels`: found by their values, made (and the names checked) once. */
  protected cell(labels: Labels | undefined): C {
    const names = this.labelNames;
    let node = this.tree;
    const last = names.length - 1;
    for (let i = 0; i < last; i++) {
      const part = labelPart(labels?.[names[i]]);
      let next = node.get(part) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(part, next);
      }
      node = next;
    }
    const leaf = last < 0 ? "" : labelPart(labels?.[names[last]]);
    let cell = node.get(leaf) as C | undefined;
    if (cell === undefined) {
      const own: Record<string, string | number> = {};
      for (const [name, value] of Object.entries(labels ?? {})) {
        if (!names.includes(name))
          throw new Error(
            `metric ${this.name} has no label "${name}" (labels: ${names.join(", ") || "none"})`,
          );
        own[name] = value;
      }
      cell = this.create(own);
      node.set(leaf, cell);
      this.cells.push(cell);
    }
    return cell;
  }
}

/** A label's value as a key. An absent label is not an empty one (prom-client keeps them apart too). */
function labelPart(value: string | number | undefined): string {
  return value === undefined ? "\u0001" : String(value);
}

interface ValueCell {
  labels: Labels;
  value: number;
}

function finite(metric: string, value: number): number {
  if (!Number.isFinite(value))
    throw new TypeError(`metric ${metric}: value is not a finite number: ${value}`);
  return value;
}

/** A counter or a gauge: one number per label set. */
abstract class ValueCells extends LabeledCells<ValueCell> {
  protected abstract readonly type: "counter" | "gauge";

  constructor(options: MetricOptions) {
    super(options);
    // Without labels, the metric is shown at 0 before anything is recorded.
    if ((options.labelNames ?? []).length === 0) this.cell(undefined);
  }

  protected create(labels: Labels): ValueCell {
    return { labels, value: 0 };
  }

  get(): Collected {
    const values = this.cells.map((c) => ({ labels: c.labels, value: c.value }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: "sum" };
  }
}

export class CounterMetric extends ValueCells {
  protected readonly type = "counter";

  inc(labels?: Labels, value = 1): void {
    if (finite(this.name, value) < 0) throw new Error(`metric ${this.name}: a counter cannot decrease`);
    this.cell(labels).value += value;
  }
}

export class GaugeMetric extends ValueCells {
  protected readonly type = "gauge";

  inc(labels?: Labels, value = 1): void {
    this.cell(labels).value += finite(this.name, value);
  }

  dec(labels?: Labels, value = 1): void {
    this.cell(labels).value -= finite(this.name, value);
  }

  set(labels: Labels | undefined, value: number): void {
    this.cell(labels).value = finite(this.name, value);
  }
}

interface HistogramCell {
  labels: Labels;
  /** Observations per bucket (not cumulative), by the bucket's index. */
  counts: number[];
  sum: number;
  count: number;
}

export class HistogramMetric extends LabeledCells<HistogramCell> {
  private readonly buckets: readonly number[];

  constructor(options: MetricOptions & { buckets: readonly number[] }) {
    super(options);
    this.buckets = [...options.buckets].sort((a, b) => a - b);
  }

  protected create(labels: Labels): HistogramCell {
    return { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  observe(labels: Labels | undefined, value: number): void {
    finite(this.name, value);
    const cell = this.cell(labels);
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && value > buckets[i]) i++;
    if (i < buckets.length) cell.counts[i]++;
    cell.sum += value;
    cell.count++;
  }

  get(): Collected {
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const cell of this.cells) {
      let acc = 0;
      this.buckets.forEach((le, i) => {
        acc += cell.counts[i];
        values.push({ labels: { le }, value: acc, metricName: bucket, sharedLabels: cell.labels });
      });
      values.push({
        labels: { le: "+Inf" },
        value: cell.count,
        metricName: bucket,
        sharedLabels: cell.labels,
      });
      values.push({ labels: {}, value: cell.sum, metricName: `${this.name}_sum`, sharedLabels: cell.labels });
      values.push({
        labels: {},
        value: cell.count,
        metricName: `${this.name}_count`,
        sharedLabels: cell.labels,
      });
    }
    return { name: this.name, help: this.help, type: "histogram", values, aggregator: "sum" };
  }
}
