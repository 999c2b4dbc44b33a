/**
 * Completion callbacks (upstream's `callback_url` / `callback_headers`): after a run
 * finishes, its task record is POSTed to the URL. The store holds each callback (an
 * outbox) until it is delivered, so a restart between the run's end and the delivery
 * loses nothing: whatever is due is sent when the controller is up again (at least
 * once). Connection errors and 5xx are retried with exponential backoff up to
 * `controller.callbacks.max_attempts`; another status ends it as failed. With
 * `controller.callbacks.secret`, each delivery carries
 * `X-Model-Compose-Signature: sha256=<hex HMAC-SHA256 of the body>`.
 */
import { createHmac } from "node:crypto";
import type { Logger } from "../log.ts";
import type { TaskRecord } from "../store/task-record.ts";
import type { CallbackRecord, TaskStore } from "../store/task-store.ts";
import type { ControllerMetrics } from "./metrics.ts";
import type { RunBus } from "./run-bus.ts";

export const SIGNATURE_HEADER = "X-Model-Compose-Signature";

/** The signature header's value for `body`. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

const POLL_MS = 1000;
const TIMEOUT_MS = 10_000;

export interface CallbackOptions {
  secret?: string;
  maxAttempts: number;
  view: (task: TaskRecord) => unknown;
}

export class CallbackDelivery {
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;
  private again = false;
  private readonly off: () => void;

  constructor(
    private readonly store: TaskStore,
    bus: RunBus,
    private readonly metrics: ControllerMetrics,
    private readonly logger: Logger,
    private readonly options: CallbackOptions,
  ) {
    // A run with a callback settling here is delivered at once; the poll finds the
    // rest (restarts, retries, runs another controller of the same store finished).
    // Reading the outbox after every run, callback or not, was a query per run.
    this.off = bus.subscribe("*", (m) => {
      if (m.type === "task.settled" && this.watched.delete(m.run_id)) this.kick();
    });
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref?.();
    this.kick();
  }

  /** Runs of this process with a callback in the outbox, not settled yet. */
  private readonly watched = new Set<string>();

  /** Puts a run's callback in the outbox; it is sent as soon as the run settles here. */
  async add(callback: CallbackRecord): Promise<void> {
    await this.store.putCallback(callback);
    this.watched.add(callback.task_id);
  }

  private kick(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.sweep()
      .catch((error) =>
        this.logger.warn({ err: (error as Error).message }, "callbacks: cannot read the outbox"),
      )
      .finally(() => {
        this.busy = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async sweep(): Promise<void> {
    const due = await this.store.dueCallbacks(new Date().toISOString(), 50);
    await Promise.all(due.map((cb) => this.deliver(cb)));
  }

  private async deliver(cb: CallbackRecord): Promise<void> {
    const task = await this.store.get(cb.task_id);
    if (!task) return;
    const body = JSON.stringify(this.options.view(task));
    const headers: Record<string, string> = { ...cb.headers, "Content-Type": "application/json" };
    if (this.options.secret) headers[SIGNATURE_HEADER] = signature(this.options.secret, body);
    const attempts = cb.attempts + 1;
    let retry: string | undefined;
    let failure: string | undefined;
    try {
      const res = await fetch(cb.url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 500) retry = `${cb.url} answered ${res.status}`;
      else if (res.status >= 300) failure = `${cb.url} answered ${res.status}`;
    } catch (error) {
      retry = `${cb.url}: ${(error as Error).message}`;
    }
    const now = new Date().toISOString();
    if (!retry && !failure) {
      this.metrics.callbackDeliveries.inc({ result: "delivered" });
      await this.store.putCallback({
        ...cb,
        state: "delivered",
        attempts,
        delivered_at: now,
        last_error: undefined,
      });
      return;
    }
    const error = (retry ?? failure)!;
    const giveUp = failure !== undefined || attempts >= this.options.maxAttempts;
    this.metrics.callbackDeliveries.inc({ result: giveUp ? "failed" : "retried" });
    this.logger.warn(
      { task_id: cb.task_id, attempts, err: error },
      giveUp ? "callback failed" : "callback will be retried",
    );
    const delay = Math.min(1000 * 2 ** (attempts - 1), 300_000);
    await this.store.putCallback({
      ...cb,
      state: giveUp ? "failed" : "pending",
      attempts,
      last_error: error,
      next_attempt_at: giveUp ? undefined : new Date(Date.now() + delay).toISOString(),
    });
  }

  close(): void {
    clearInterval(this.timer);
    this.off();
  }
}
