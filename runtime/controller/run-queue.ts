/**
 * Admission: when a submitted run may start. The local queue is a FIFO in this
 * process with at most `concurrency` runs handed out at once (`max_concurrent_count`,
 * 0 = no limit) and at most `maxPending` waiting (`max_pending_count`, 0 = no limit).
 * A Redis queue (BullMQ) implements the same interface for workers elsewhere.
 */
export interface QueuedRun {
  task_id: string;
  workflow_id: string;
  input: unknown;
}

/** Handles one run; the queue's slot is held until the returned promise settles. */
export type RunHandler = (run: QueuedRun) => Promise<void>;

export class QueueFullError extends Error {
  constructor(readonly limit: number) {
    super(`too many runs waiting: the queue holds at most ${limit} (controller.max_pending_count)`);
  }
}

export interface RunQueue {
  /** Queues a run; throws QueueFullError when `max_pending_count` runs already wait. */
  enqueue(run: QueuedRun): Promise<void>;
  /** Starts handing runs to `handler`; call once. */
  consume(handler: RunHandler): void;
  /** Takes a waiting run out of the queue; false when it is not waiting (started or unknown). */
  remove(taskId: string): Promise<boolean>;
  /** Runs waiting, and runs handed out and not settled. */
  counts(): { waiting: number; active: number };
  /** Stops handing out runs; the waiting ones are returned (not started). */
  close(): Promise<QueuedRun[]>;
  /**
   * A slot for a run to start at once in this process, held until the returned function
   * is called; undefined when a run is waiting (it goes first) or no slot is free. A
   * queue shared between processes has none: its runs start where a worker takes them.
   */
  tryStart?(): (() => void) | undefined;
}

export class LocalRunQueue implements RunQueue {
  private readonly waiting: QueuedRun[] = [];
  private active = 0;
  private handler: RunHandler | undefined;
  private closed = false;

  constructor(
    private readonly concurrency: number,
    private readonly maxPending = 0,
  ) {}

  async enqueue(run: QueuedRun): Promise<void> {
    if (this.maxPending > 0 && this.waiting.length >= this.maxPending)
      throw new QueueFullError(this.maxPending);
    this.waiting.push(run);
    this.pump();
  }

  consume(handler: RunHandler): void {
    this.handler = handler;
    this.pump();
  }

  async remove(taskId: string): Promise<boolean> {
    const i = this.waiting.findIndex((r) => r.task_id === taskId);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  counts(): { waiting: number; active: number } {
    return { waiting: this.waiting.length, active: this.active };
  }

  async close(): Promise<QueuedRun[]> {
    this.closed = true;
    return this.waiting.splice(0);
  }

  tryStart(): (() => void) | undefined {
    if (this.closed || this.waiting.length > 0) return undefined;
    if (this.concurrency !== 0 && this.active >= this.concurrency) return undefined;
    this.active++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.active--;
      this.pump();
    };
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (
      !this.closed &&
      this.waiting.length &&
      (this.concurrency === 0 || this.active < this.concurrency)
    ) {
      const run = this.waiting.shift()!;
      this.active++;
      // A handler that throws must not hold its slot.
      handler(run)
        .catch(() => undefined)
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }
}
