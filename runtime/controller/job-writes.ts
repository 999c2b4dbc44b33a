/**
 * A run's job states on their way to the store while the run executes, coalesced: the
 * states that change within one turn of the event loop are written in one round, each
 * job's newest only, one write at a time (so a job's start never lands after its end).
 * When the run settles, what is not written yet is dropped: the final write carries
 * every job. A one-job run that finishes within a turn so writes no job state of its
 * own, where it wrote one per event before (two database round trips of a waited
 * run's eleven on SQLite and PostgreSQL); a long job's start is in the store a turn
 * after it happened.
 */
import type { JobRecord } from "../store/task-record.ts";

/**
 * The runs whose job states wait for the next turn, all written from one immediate:
 * one `setImmediate` and one promise per run and turn were a twentieth of a waited
 * run's CPU over HTTP (docs/benchmarks.md), mostly for runs that end within the turn and
 * write nothing.
 */
const due = new Set<JobWrites>();
let turnTaken = false;

function flushDue(): void {
  turnTaken = false;
  const round = [...due];
  due.clear();
  for (const writes of round) writes.flush();
}

export class JobWrites {
  private readonly pending = new Map<string, JobRecord>();
  /** The write in progress, if any: what `stop` waits for. */
  private writing: Promise<void> | undefined;
  private stopped = false;

  /** `write` records one job's state; it must not throw (it logs its own failures). */
  constructor(private readonly write: (job: JobRecord) => Promise<void>) {}

  add(job: JobRecord): void {
    if (this.stopped) return;
    this.pending.set(job.id, job);
    // A write in progress takes it in its loop.
    if (this.writing === undefined) this.later();
  }

  /** A turn later: the states of the events still to come in this one join the round. */
  private later(): void {
    if (due.has(this)) return;
    due.add(this);
    if (!turnTaken) {
      turnTaken = true;
      setImmediate(flushDue);
    }
  }

  /** Writes the waiting states, one at a time, until none are left (a write may bring more). */
  flush(): void {
    if (this.stopped || this.pending.size === 0 || this.writing !== undefined) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = undefined;
      // A state that came after the loop's last look (between its end and this).
      if (this.pending.size > 0 && !this.stopped) this.later();
    });
  }

  private async writeAll(): Promise<void> {
    while (this.pending.size > 0 && !this.stopped) {
      const round = [...this.pending.values()];
      this.pending.clear();
      for (const job of round) {
        if (this.stopped) break;
        await this.write(job);
      }
    }
  }

  /**
   * Drops what is not written yet and waits for the write in progress, if any. A round
   * still waiting for its turn writes nothing: a run that ends within the turn its jobs
   * ran in does not wait a turn more for it.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    due.delete(this);
    await this.writing;
  }
}
