/**
 * `--progress plain`: one line on stderr per change of a job (started, retrying, done,
 * skipped, failed), no escape codes; for logs of CI jobs and terminals that cannot redraw.
 */
import type { RunEvent } from "../../workflow/events.ts";
import { writeStderr } from "../stdio.ts";
import { formatDuration } from "./job-list.ts";

export function plainLine(event: RunEvent): string | undefined {
  switch (event.type) {
    case "job.started":
      return `${event.job_id}: running${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}`;
    case "job.retrying":
      return `${event.job_id}: attempt ${event.attempt} failed, retrying: ${event.error}`;
    case "job.skipped":
      return `${event.job_id}: skipped`;
    case "job.finished": {
      const time = event.duration_ms !== undefined ? ` in ${formatDuration(event.duration_ms)}` : "";
      if (event.status === "completed") return `${event.job_id}: done${time}`;
      return `${event.job_id}: ${event.status}${time}${event.error ? `: ${event.error}` : ""}`;
    }
    case "run.finished":
      return `run ${event.status} in ${formatDuration(event.duration_ms)}`;
    default:
      return undefined;
  }
}

export function plainProgress(): { onEvent(event: RunEvent): void; stop(): void } {
  return {
    onEvent(event) {
      const line = plainLine(event);
      if (line !== undefined) writeStderr(`${line}\n`);
    },
    stop() {},
  };
}
