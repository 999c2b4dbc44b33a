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

export class JobWrites {
  private readonly pending = new Map<string, JobRecord>();
  private flushing: Promise<void> | undefined;
  /** The write in progress, if any: what `stop` waits for. */
  private writing: Promise<void> | undefined;
  private stopped = false;

  /** `write` records one job's state; it must not throw (it logs its own failures). */
  constructor(private readonly write: (job: JobRecord) => Promise<void>) {}

  add(job: JobRecord): void {
    if (this.stopped) return;
    this.pending.set(job.id, job);
    this.flushing ??= this.flush();
  }

  private async flush(): Promise<void> {
    // A turn later: the states of the events still to come in this one join the round.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.size > 0 && !this.stopped) {
      const round = [...this.pending.values()];
      this.pending.clear();
      for (const job of round) {
        if (this.stopped) break;
        this.writing = this.write(job);
        await this.writing;
        this.writing = undefined;
      }
    }
    this.flushing = undefined;
  }

  /**
   * Drops what is not written yet and waits for the write in progress, if any. A round
   * still waiting for its turn writes nothing: a run that ends within the turn its jobs
   * ran in does not wait a turn more for it.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    await this.writing;
  }
}
