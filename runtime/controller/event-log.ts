/**
 * The controller's replay log of run events: what a late subscriber to a run's event
 * stream is sent first, and where `Last-Event-ID` resumes. Bounded: per run, the
 * lifecycle events (run.*, job.*; a handful per job) are all kept and at most
 * `maxLogLines` log lines (the oldest go first); of finished runs, only the last
 * `keepFinishedRuns` are kept. A subscriber whose resume point was evicted is told how
 * many events it missed.
 */

import { OrderedIds } from "../store/ordered-ids.ts";
import type { RunEvent } from "../workflow/events.ts";

export interface EventLogLimits {
  /** Log lines kept per run. */
  maxLogLines: number;
  /** Finished runs whose events are kept. */
  keepFinishedRuns: number;
}

export const DEFAULT_EVENT_LOG_LIMITS: EventLogLimits = { maxLogLines: 5000, keepFinishedRuns: 200 };

export type EventListener = (event: RunEvent) => void;

export interface Subscription {
  /** The run's kept events after the resume point, in order. */
  replay: RunEvent[];
  /** Events after the resume point that were evicted and are not in `replay`. */
  missed: number;
  /** Whether the replay ends with run.finished (nothing more will come). */
  finished: boolean;
  unsubscribe(): void;
}

/**
 * A fixed-size ring of the newest items. The array grows as items come (most runs log
 * a few lines, and every run has a ring): allocating `capacity` slots up front cost
 * each run a 5000-slot array.
 */
class Ring<T> {
  private readonly items: T[] = [];
  private start = 0;
  size = 0;

  constructor(readonly capacity: number) {}

  /** Adds `item`; returns the evicted oldest one, if any. */
  push(item: T): T | undefined {
    if (this.capacity === 0) return item;
    if (this.size < this.capacity) {
      // Until the ring is full `start` stays 0, so the next slot is the array's end.
      this.items.push(item);
      this.size++;
      return undefined;
    }
    const old = this.items[this.start];
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    return old;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.items[(this.start + i) % this.capacity]!);
    return out;
  }
}

class RunLog {
  readonly lifecycle: RunEvent[] = [];
  readonly lines: Ring<RunEvent>;
  finished = false;
  readonly listeners = new Set<EventListener>();
  lastSeq = 0;

  constructor(maxLines: number) {
    this.lines = new Ring(maxLines);
  }

  add(event: RunEvent): void {
    this.lastSeq = event.seq;
    if (event.type === "log") {
      this.lines.push(event);
    } else {
      this.lifecycle.push(event);
    }
    if (event.type === "run.finished") this.finished = true;
  }

  after(seq: number): { events: RunEvent[]; missed: number } {
    const lines = this.lines.toArray();
    const events: RunEvent[] = [];
    // Merge the two sorted lists.
    let i = 0;
    let j = 0;
    while (i < this.lifecycle.length || j < lines.length) {
      const a = this.lifecycle[i];
      const b = lines[j];
      const fromLifecycle = b === undefined || (a !== undefined && a.seq < b.seq);
      const next = fromLifecycle ? this.lifecycle[i++] : lines[j++];
      if (next.seq > seq) events.push(next);
    }
    // Every seq after `seq` up to the last one is either kept or was evicted.
    const expected = Math.max(0, this.lastSeq - seq);
    return { events, missed: Math.max(0, expected - events.length) };
  }
}

export class RunEventLog {
  private readonly runs = new Map<string, RunLog>();
  /** Finished runs, oldest first. */
  private readonly finishedOrder = new OrderedIds();

  constructor(private readonly limits: EventLogLimits = DEFAULT_EVENT_LOG_LIMITS) {}

  /** Keeps `event` and hands it to the run's subscribers. */
  record(event: RunEvent): void {
    const log = this.logOf(event.run_id);
    if (log.finished) return;
    log.add(event);
    // Copied: a listener may unsubscribe while it is called.
    if (log.listeners.size > 0)
      for (const listener of [...log.listeners]) {
        try {
          listener(event);
        } catch {}
      }
    if (log.finished) {
      this.finishedOrder.add(event.run_id);
      while (this.finishedOrder.size > this.limits.keepFinishedRuns) this.forget(this.finishedOrder.shift()!);
    }
  }

  /** Whether any event of the run is kept. */
  has(runId: string): boolean {
    return (this.runs.get(runId)?.lastSeq ?? 0) > 0;
  }

  /**
   * The run's kept events after `afterSeq`, and from now on each new one to `listener`,
   * with nothing lost or repeated in between.
   */
  subscribe(runId: string, afterSeq: number, listener: EventListener): Subscription {
    const log = this.logOf(runId);
    const { events, missed } = log.after(afterSeq);
    if (!log.finished) log.listeners.add(listener);
    return {
      replay: events,
      missed,
      finished: log.finished,
      unsubscribe: () => {
        log.listeners.delete(listener);
        // A log made only for a subscriber of a run that never said anything.
        if (log.lastSeq === 0 && log.listeners.size === 0 && this.runs.get(runId) === log)
          this.runs.delete(runId);
      },
    };
  }

  /** Runs and subscribers held now (for tests: nothing leaks). */
  stats(): { runs: number; subscribers: number; lines: number } {
    let subscribers = 0;
    let lines = 0;
    for (const log of this.runs.values()) {
      subscribers += log.listeners.size;
      lines += log.lines.size;
    }
    return { runs: this.runs.size, subscribers, lines };
  }

  private logOf(runId: string): RunLog {
    let log = this.runs.get(runId);
    if (!log) {
      log = new RunLog(this.limits.maxLogLines);
      this.runs.set(runId, log);
    }
    return log;
  }

  private forget(runId: string): void {
    this.runs.delete(runId);
  }
}
