/** A queue-subscriber's own metrics, beside the run metrics every controller has. */
import { Counter, Gauge, type Registry } from "prom-client";

export class QueueMetrics {
  readonly active: Gauge;
  readonly completed: Counter;
  readonly failed: Counter;
  readonly stalled: Counter;

  /** `active` counts the runs executing now, read at each scrape. */
  constructor(registry: Registry, active: () => number) {
    this.active = new Gauge({
      name: "model_compose_queue_runs_active",
      help: "Runs this worker is executing now",
      registers: [registry],
      collect() {
        this.set(active());
      },
    });
    this.completed = new Counter({
      name: "model_compose_queue_runs_completed_total",
      help: "Runs this worker took from the queue and completed",
      labelNames: ["status"],
      registers: [registry],
    });
    this.failed = new Counter({
      name: "model_compose_queue_runs_failed_total",
      help: "Runs this worker took from the queue that failed or were cancelled",
      labelNames: ["status"],
      registers: [registry],
    });
    this.stalled = new Counter({
      name: "model_compose_queue_runs_stalled_total",
      help: "Runs this worker's stall check found abandoned by a dead worker and put back in the queue",
      registers: [registry],
    });
  }
}
