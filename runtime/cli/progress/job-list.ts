/**
 * What `run`'s progress display knows about a run, built from its events, and how the
 * list of jobs reads as text. No terminal here: tty.ts redraws it, plain.ts prints
 * changes as lines.
 */
import { styleText } from "node:util";
import type { RunEvent, RunFinishedEvent } from "../../workflow/events.ts";

export type RowStatus = "waiting" | "running" | "done" | "skipped" | "failed" | "cancelled";

export interface JobRow {
  id: string;
  status: RowStatus;
  /** Epoch ms of the current attempt's start. */
  startedAt?: number;
  durationMs?: number;
  attempt: number;
  error?: string;
  /** The job's last log line, shown beside it while it runs. */
  lastLine?: string;
  /** When the row last changed, in events applied: the newest changes are shown first when not all fit. */
  changed: number;
}

export class JobList {
  readonly rows: JobRow[] = [];
  finished?: RunFinishedEvent;
  private readonly byId = new Map<string, JobRow>();
  private applied = 0;

  apply(event: RunEvent): void {
    this.applied++;
    switch (event.type) {
      case "run.started":
        for (const j of event.jobs) this.add(j.id);
        return;
      case "run.finished":
        this.finished = event;
        return;
      case "job.started":
        Object.assign(this.row(event.job_id), {
          status: "running",
          startedAt: Date.parse(event.time),
          attempt: event.attempt,
        });
        return;
      case "job.retrying":
        this.row(event.job_id).error = event.error;
        return;
      case "job.skipped":
        this.row(event.job_id).status = "skipped";
        return;
      case "job.finished": {
        const row = this.row(event.job_id);
        row.status = event.status === "completed" ? "done" : event.status;
        row.durationMs = event.duration_ms;
        row.error = event.status === "completed" ? undefined : event.error;
        return;
      }
      case "log":
        if (event.text.trim() !== "") this.row(event.job_id).lastLine = event.text;
        return;
    }
  }

  private add(id: string): JobRow {
    const row: JobRow = { id, status: "waiting", attempt: 0, changed: 0 };
    this.rows.push(row);
    this.byId.set(id, row);
    return row;
  }

  /** The job's row, marked as changed now. */
  private row(id: string): JobRow {
    const row = this.byId.get(id) ?? this.add(id);
    row.changed = this.applied;
    return row;
  }
}

/** `850ms`, `4.2s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

export interface RenderOptions {
  /** Epoch ms, for running jobs' elapsed time. */
  now: number;
  spinner: string;
  color: boolean;
  /** Characters per line (the terminal's width); longer lines are cut. */
  width: number;
  /**
   * Lines at most (the terminal's height). When the jobs do not fit, the running, failed
   * and cancelled ones are shown, then the most recently changed, in the list's order,
   * and a last line counts the others.
   */
  height?: number;
}

type Style = Parameters<typeof styleText>[0];

const MARKS: Record<RowStatus, { mark: string; style: Style }> = {
  waiting: { mark: "·", style: "gray" },
  running: { mark: "", style: "cyan" },
  done: { mark: "✔", style: "green" },
  skipped: { mark: "-", style: "gray" },
  failed: { mark: "✖", style: "red" },
  cancelled: { mark: "■", style: "yellow" },
};

const NEEDS_AN_EYE: ReadonlySet<RowStatus> = new Set(["running", "failed", "cancelled"]);

/** The rows that fit in `height` lines, one of them kept for the count of the others. */
export function rowsThatFit(
  rows: readonly JobRow[],
  height: number | undefined,
): { shown: JobRow[]; hidden: JobRow[] } {
  if (height === undefined || rows.length <= height) return { shown: [...rows], hidden: [] };
  const room = Math.max(1, height - 1);
  const picked = new Set<JobRow>();
  for (const row of rows) if (picked.size < room && NEEDS_AN_EYE.has(row.status)) picked.add(row);
  if (picked.size < room) {
    const newest = rows.filter((r) => !picked.has(r)).sort((a, b) => b.changed - a.changed);
    for (const row of newest.slice(0, room - picked.size)) picked.add(row);
  }
  return { shown: rows.filter((r) => picked.has(r)), hidden: rows.filter((r) => !picked.has(r)) };
}

const COUNT_ORDER: readonly RowStatus[] = ["done", "skipped", "failed", "cancelled", "running", "waiting"];

/** `… 953 more: 940 done, 13 waiting`. */
function othersLine(hidden: readonly JobRow[]): string {
  const counts = new Map<RowStatus, number>();
  for (const row of hidden) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  const parts = COUNT_ORDER.filter((status) => counts.has(status)).map(
    (status) => `${counts.get(status)} ${status}`,
  );
  return `… ${hidden.length} more: ${parts.join(", ")}`;
}

/** One line per job: mark, id, state with time, and the reason or the last log line. */
export function renderJobList(list: JobList, o: RenderOptions): string {
  const paint = (style: Style, text: string) =>
    o.color ? styleText(style, text, { validateStream: false }) : text;
  const { shown, hidden } = rowsThatFit(list.rows, o.height);
  // Of every job, shown or not, so the column keeps its place from frame to frame.
  let idWidth = 0;
  for (const row of list.rows) idWidth = Math.max(idWidth, row.id.length);
  idWidth = Math.min(32, idWidth);
  const lines = shown.map((row) => {
    const { mark, style } = MARKS[row.status];
    const time =
      row.status === "running" && row.startedAt !== undefined
        ? formatDuration(o.now - row.startedAt)
        : row.durationMs !== undefined
          ? formatDuration(row.durationMs)
          : "";
    const attempt = row.attempt > 1 ? ` attempt ${row.attempt}` : "";
    const state = `${row.status}${time ? ` ${time}` : ""}${attempt}`;
    let detail = "";
    if ((row.status === "failed" || row.status === "cancelled") && row.error) detail = row.error;
    else if (row.status === "running" && row.lastLine) detail = row.lastLine;
    const markText = row.status === "running" ? o.spinner : mark;
    const id = row.id.padEnd(idWidth);
    // Cut to the width before painting: escape codes take no columns.
    const room = Math.max(0, o.width - markText.length - id.length - state.length - 5);
    if (detail.length > room) detail = room > 1 ? `${detail.slice(0, room - 1)}…` : "";
    const rest = detail ? `  ${paint(row.status === "running" ? "gray" : style, detail)}` : "";
    return `${paint(style, markText)} ${id}  ${paint(style, state)}${rest}`;
  });
  if (hidden.length > 0) lines.push(paint("gray", othersLine(hidden).slice(0, Math.max(0, o.width))));
  return lines.join("\n");
}
