/**
 * What the run page shows of a run, folded from its events. The page hands over the
 * events of an animation frame at once: a run of a thousand jobs sends thousands of
 * events, and folding each into a copy of every job (and rendering after each) kept the
 * page's main thread busy for most of the run.
 */

/** One event of a run's stream (the controller's RunEvent, as JSON). */
// biome-ignore lint/suspicious/noExplicitAny: event payloads are JSON read by type
export type RunEvent = { type: string; seq: number; time: string; [field: string]: any };

export interface JobView {
  id: string;
  status: string;
  start?: number;
  end?: number;
  attempt: number;
  error?: string;
  lines: { stream: string; text: string }[];
}

export interface RunState {
  workflowId?: string;
  status: string;
  start?: number;
  end?: number;
  jobs: JobView[];
  output?: unknown;
  error?: string;
  failingJob?: string;
  hasOutput: boolean;
}

export const MAX_LINES_SHOWN = 500;

export const initialRunState: RunState = { status: "pending", jobs: [], hasOutput: false };

/**
 * The state after `events`. A new state and job list; of the jobs, only those the
 * events change are new objects, so a job row whose job did not change renders as it was.
 */
export function foldRunEvents(prev: RunState, events: readonly RunEvent[] | "reset"): RunState {
  if (events === "reset") return initialRunState;
  if (events.length === 0) return prev;
  const s: RunState = { ...prev, jobs: [...prev.jobs] };
  const at = new Map(s.jobs.map((j, i) => [j.id, i]));
  const changed = new Set<number>();
  const job = (id: string): JobView => {
    let i = at.get(id);
    if (i === undefined) {
      i = s.jobs.push({ id, status: "waiting", attempt: 0, lines: [] }) - 1;
      at.set(id, i);
      changed.add(i);
    } else if (!changed.has(i)) {
      s.jobs[i] = { ...s.jobs[i] };
      changed.add(i);
    }
    return s.jobs[i];
  };
  // A job's log lines are copied once in a batch, added to, and cut to the last ones at the end.
  const ownLines = new Set<JobView>();
  const lines = (j: JobView) => {
    if (!ownLines.has(j)) {
      j.lines = [...j.lines];
      ownLines.add(j);
    }
    // A batch of a great many lines keeps at most twice what is shown.
    if (j.lines.length >= 2 * MAX_LINES_SHOWN) j.lines.splice(0, j.lines.length - MAX_LINES_SHOWN);
    return j.lines;
  };
  for (const event of events) apply(s, event, job, lines);
  for (const j of ownLines) if (j.lines.length > MAX_LINES_SHOWN) j.lines = j.lines.slice(-MAX_LINES_SHOWN);
  return s;
}

function apply(
  s: RunState,
  event: RunEvent,
  job: (id: string) => JobView,
  lines: (j: JobView) => JobView["lines"],
): void {
  const t = Date.parse(event.time);
  switch (event.type) {
    case "run.started":
      s.workflowId = event.workflow_id;
      s.status = "running";
      s.start = t;
      for (const j of event.jobs as { id: string }[]) job(j.id);
      break;
    case "job.started": {
      const j = job(event.job_id);
      j.status = "running";
      j.start ??= t;
      j.attempt = event.attempt;
      break;
    }
    case "job.retrying":
      job(event.job_id).error = event.error;
      break;
    case "job.skipped": {
      const j = job(event.job_id);
      j.status = "skipped";
      j.start = j.end = t;
      break;
    }
    case "job.finished": {
      const j = job(event.job_id);
      j.status = event.status;
      j.end = t;
      if (event.duration_ms !== undefined) j.start = t - event.duration_ms;
      j.error = event.error;
      break;
    }
    case "log": {
      lines(job(event.job_id)).push({ stream: event.stream, text: event.text });
      break;
    }
    case "run.finished":
      s.workflowId = event.workflow_id;
      s.status = event.status;
      s.end = t;
      s.start ??= t - event.duration_ms;
      s.error = event.error;
      s.failingJob = event.job_id;
      s.hasOutput = "output" in event;
      s.output = event.output;
      for (const js of event.jobs as { id: string; status: string; error?: string }[]) {
        const j = job(js.id);
        if (j.status === "waiting" || j.status === "running") j.status = js.status;
        j.error ??= js.error;
      }
      break;
  }
}
