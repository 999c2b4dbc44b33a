/** What a run and its jobs look like from outside: states, timings, outputs, errors. */

export type RunStatus = "pending" | "running" | "completed" | "failed" | "cancelled";
export type JobStatus = "pending" | "running" | "completed" | "failed" | "skipped" | "cancelled";

export interface JobState {
  id: string;
  status: JobStatus;
  started_at?: string;
  finished_at?: string;
  attempts?: number;
  error?: string;
}
