/**
 * The controller's Prometheus metrics, on a registry of its own: prom-client's process
 * and runtime metrics, and the controller's own, recorded on every run (metric-cells.ts).
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { CounterMetric, GaugeMetric, HistogramMetric } from "./metric-cells.ts";

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly runsStarted = new CounterMetric({
    name: "model_compose_runs_started_total",
    help: "Workflow runs started",
    labelNames: ["workflow"],
    registers: [this.registry],
  });
  readonly runsFinished = new CounterMetric({
    name: "model_compose_runs_finished_total",
    help: "Workflow runs finished, by final status",
    labelNames: ["workflow", "status"],
    registers: [this.registry],
  });
  readonly runDuration = new HistogramMetric({
    name: "model_compose_run_duration_seconds",
    help: "Duration of workflow runs, from start of execution to finish",
    labelNames: ["workflow", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly jobDuration = new HistogramMetric({
    name: "model_compose_job_duration_seconds",
    help: "Duration of jobs",
    labelNames: ["workflow", "job", "status"],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
    registers: [this.registry],
  });
  readonly runsInFlight = new GaugeMetric({
    name: "model_compose_runs_in_flight",
    help: "Workflow runs executing now",
    registers: [this.registry],
  });
  readonly runsWaiting = new GaugeMetric({
    name: "model_compose_runs_waiting",
    help: "Workflow runs waiting for a concurrency slot",
    registers: [this.registry],
  });
  readonly componentCalls = new CounterMetric({
    name: "model_compose_component_calls_total",
    help: "Component calls (each attempt counts)",
    labelNames: ["component", "type"],
    registers: [this.registry],
  });
  readonly componentErrors = new CounterMetric({
    name: "model_compose_component_errors_total",
    help: "Component calls that failed",
    labelNames: ["component", "type"],
    registers: [this.registry],
  });

  readonly callbackDeliveries = new CounterMetric({
    name: "model_compose_callback_deliveries_total",
    help: "Completion callback delivery attempts, by result (delivered, retried, failed)",
    labelNames: ["result"],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "model_compose_" });
  }

  /**
   * The exposition text. prom-client writes NaN as `Nan` (its event-loop-delay
   * histogram is reset on every collect, so its quantiles are NaN until the next
   * sample). Prometheus reads any letter case, but the text format and OpenMetrics
   * spell it `NaN`, and stricter readers accept only that.
   */
  async render(): Promise<string> {
    return spellNaN(await this.registry.metrics());
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Rewrites a sample value `Nan` as `NaN`. A sample line ends with its value (prom-client
 * writes no timestamps), and a label value cannot end a line (it is followed by `}`). */
export function spellNaN(text: string): string {
  return text.replace(/^([^#\n][^\n]*) Nan$/gm, "$1 NaN");
}
