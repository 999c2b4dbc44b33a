/** @jsxImportSource preact */
/**
 * One run, live from its event stream: the jobs as a timeline (a bar per job from its
 * start for its duration, coloured by status), each job's log lines, the output as a
 * JSON tree, the error with the failing job; cancel while it runs, retry once it ended.
 */
import { useEffect, useMemo, useReducer, useState } from "preact/hooks";
import { post } from "./api.ts";
import { JsonView } from "./json-view.tsx";
import { followRun, type RunEvent } from "./sse.ts";

interface JobView {
  id: string;
  status: string;
  start?: number;
  end?: number;
  attempt: number;
  error?: string;
  lines: { stream: string; text: string }[];
}

interface RunState {
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

const MAX_LINES_SHOWN = 500;

const initial: RunState = { status: "pending", jobs: [], hasOutput: false };

function job(state: RunState, id: string): JobView {
  let j = state.jobs.find((x) => x.id === id);
  if (!j) {
    j = { id, status: "waiting", attempt: 0, lines: [] };
    state.jobs.push(j);
  }
  return j;
}

function reduce(prev: RunState, event: RunEvent | "reset"): RunState {
  if (event === "reset") return initial;
  const s: RunState = { ...prev, jobs: prev.jobs.map((j) => ({ ...j })) };
  const t = Date.parse(event.time);
  switch (event.type) {
    case "run.started":
      s.workflowId = event.workflow_id;
      s.status = "running";
      s.start = t;
      for (const j of event.jobs as { id: string }[]) job(s, j.id);
      break;
    case "job.started": {
      const j = job(s, event.job_id);
      j.status = "running";
      j.start ??= t;
      j.attempt = event.attempt;
      break;
    }
    case "job.retrying":
      job(s, event.job_id).error = event.error;
      break;
    case "job.skipped": {
      const j = job(s, event.job_id);
      j.status = "skipped";
      j.start = j.end = t;
      break;
    }
    case "job.finished": {
      const j = job(s, event.job_id);
      j.status = event.status;
      j.end = t;
      if (event.duration_ms !== undefined) j.start = t - event.duration_ms;
      j.error = event.error;
      break;
    }
    case "log": {
      const j = job(s, event.job_id);
      j.lines = [...j.lines, { stream: event.stream, text: event.text }].slice(-MAX_LINES_SHOWN);
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
        const j = job(s, js.id);
        if (j.status === "waiting" || j.status === "running") j.status = js.status;
        j.error ??= js.error;
      }
      break;
  }
  return s;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function Timeline({ state, now }: { state: RunState; now: number }) {
  const start = state.start ?? now;
  const end = state.end ?? now;
  const span = Math.max(1, end - start);
  return (
    <ol class="timeline" aria-label="jobs">
      {state.jobs.map((j) => {
        const from = j.start !== undefined ? (j.start - start) / span : 0;
        const to = j.start !== undefined ? ((j.end ?? now) - start) / span : 0;
        const width = Math.max(0.5, (to - from) * 100);
        const took = j.start !== undefined ? seconds((j.end ?? now) - j.start) : "";
        return (
          <li key={j.id} class={`job s-${j.status}`} data-job={j.id} data-status={j.status}>
            <details>
              <summary>
                <span class="job-id">{j.id}</span>
                <span class="bar-track" aria-hidden="true">
                  {j.start !== undefined && (
                    <span
                      class="bar"
                      style={{ left: `${from * 100}%`, width: `${Math.min(width, 100 - from * 100)}%` }}
                    />
                  )}
                </span>
                <span class="job-status">
                  {j.status}
                  {took && ` · ${took}`}
                  {j.attempt > 1 && ` · attempt ${j.attempt}`}
                </span>
              </summary>
              {j.error && <p class="job-error">{j.error}</p>}
              {j.lines.length > 0 ? (
                <pre class="log" data-testid={`log-${j.id}`}>
                  {j.lines.map((l, i) => (
                    <span key={i} class={`l-${l.stream}`}>
                      {l.text}
                      {"\n"}
                    </span>
                  ))}
                </pre>
              ) : (
                <p class="muted">no output</p>
              )}
            </details>
          </li>
        );
      })}
    </ol>
  );
}

export function RunView({ taskId, onRetried }: { taskId: string; onRetried: (id: string) => void }) {
  const [state, dispatch] = useReducer(reduce, initial);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    dispatch("reset");
    const follow = followRun(taskId, dispatch, setProblem);
    return () => follow.stop();
  }, [taskId]);

  const live = state.status === "running" || state.status === "pending";
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [live]);

  const cancel = async () => {
    setBusy(true);
    try {
      await post(`/tasks/${taskId}/cancel`, {});
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  // The controller starts the new run from the recorded workflow and input, so a run
  // started elsewhere (another tab, a script) is retried as it was.
  const retry = async () => {
    setBusy(true);
    try {
      const started = await post<{ task_id: string }>(`/tasks/${taskId}/retry`, {});
      onRetried(started.task_id);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const duration = useMemo(
    () => (state.start !== undefined ? seconds((state.end ?? now) - state.start) : ""),
    [state.start, state.end, now],
  );

  return (
    <section class="run" aria-live="polite">
      <header class="run-head">
        <h2>
          Run <code>{taskId}</code>
        </h2>
        <p>
          {state.workflowId && (
            <a href={`#/workflows/${encodeURIComponent(state.workflowId)}`}>{state.workflowId}</a>
          )}{" "}
          <span class={`badge s-${state.status}`} data-testid="run-status">
            {state.status}
          </span>{" "}
          {duration}
        </p>
        <div class="actions">
          {live ? (
            <button type="button" class="danger" onClick={cancel} disabled={busy}>
              Cancel
            </button>
          ) : (
            <button type="button" onClick={retry} disabled={busy || state.status === "pending"}>
              Retry
            </button>
          )}
        </div>
      </header>
      {problem && <p class="notice">{problem}</p>}
      <Timeline state={state} now={now} />
      {state.error && (
        <div class="error" role="alert" data-testid="run-error">
          {state.failingJob && (
            <p>
              failed in job <strong>{state.failingJob}</strong>
            </p>
          )}
          <pre>{state.error}</pre>
        </div>
      )}
      {state.hasOutput && <JsonView value={state.output} label="output" />}
    </section>
  );
}
