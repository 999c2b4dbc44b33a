/** @jsxImportSource preact */
/**
 * One run, live from its event stream: the jobs as a timeline (a bar per job from its
 * start for its duration, coloured by status), each job's log lines, the output as a
 * JSON tree, the error with the failing job; cancel while it runs, retry once it ended.
 */
import { Component } from "preact";
import { useEffect, useMemo, useReducer, useState } from "preact/hooks";
import { post } from "./api.ts";
import { JsonView } from "./json-view.tsx";
import { foldRunEvents, initialRunState, type JobView, type RunEvent, type RunState } from "./run-state.ts";
import { followRun } from "./sse.ts";

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

interface JobRowProps {
  job: JobView;
  /** Where the job's bar starts and how wide it is, in percent of the run's span. */
  left: number;
  width: number;
  took: string;
}

/**
 * One job's row. Rendered again only when what it shows changed: a frame's events touch
 * a few jobs of a large run, and the others keep their job object (run-state.ts).
 */
class JobRow extends Component<JobRowProps> {
  override shouldComponentUpdate(next: JobRowProps): boolean {
    const p = this.props;
    return next.job !== p.job || next.left !== p.left || next.width !== p.width || next.took !== p.took;
  }

  override render({ job: j, left, width, took }: JobRowProps) {
    return (
      <li class={`job s-${j.status}`} data-job={j.id} data-status={j.status}>
        <details>
          <summary>
            <span class="job-id">{j.id}</span>
            <span class="bar-track" aria-hidden="true">
              {j.start !== undefined && <span class="bar" style={{ left: `${left}%`, width: `${width}%` }} />}
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
  }
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
          <JobRow
            key={j.id}
            job={j}
            left={from * 100}
            width={Math.min(width, 100 - from * 100)}
            took={took}
          />
        );
      })}
    </ol>
  );
}

export function RunView({ taskId, onRetried }: { taskId: string; onRetried: (id: string) => void }) {
  const [state, dispatch] = useReducer(foldRunEvents, initialRunState);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    dispatch("reset");
    // The events of a frame are folded and rendered together. A timer stands in for the
    // frame in a hidden tab, where frames stop, so the events do not pile up there.
    let queued: RunEvent[] = [];
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
      frame = 0;
      timer = undefined;
      const batch = queued;
      queued = [];
      dispatch(batch);
    };
    const follow = followRun(
      taskId,
      (event) => {
        queued.push(event);
        if (timer !== undefined) return;
        frame = requestAnimationFrame(flush);
        timer = setTimeout(flush, 250);
      },
      setProblem,
    );
    return () => {
      follow.stop();
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
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
