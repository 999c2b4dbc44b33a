/**
 * `model-compose runs [--workflow W] [--status S] [--limit N] [--json]` and
 * `model-compose runs show ID`: the run history of the running controller, through its
 * public API (GET {base_path}/tasks). The address comes from the project's state file
 * (written by `up`), or `--url`; the API key from MODEL_COMPOSE_API_KEY.
 */
import type { Composition } from "../composition.ts";
import { ConfigError, RunError } from "../errors.ts";
import { isTerminal } from "../host/mod.ts";
import { type GlobalOptions, loadFromOptions } from "./common.ts";
import { reportError } from "./report.ts";
import { writeStdout } from "./stdio.ts";

export interface RunsOptions extends GlobalOptions {
  workflow?: string;
  status?: string;
  limit?: string;
  json?: boolean;
  url?: string;
}

/** The API base URL: `--url`, else the running controller's from the state file. */
async function apiBase(opts: RunsOptions, composition: Composition): Promise<string> {
  if (opts.url) return opts.url.replace(/\/+$/, "");
  const project = await loadFromOptions(opts, composition);
  const { ProjectState } = await import("../controller/state.ts");
  const state = new ProjectState(project.projectDir).read();
  if (!state)
    throw new ConfigError(
      "no controller is running for this project (no .model-compose/controller.json); start one with `model-compose up -d`, or pass --url",
    );
  const host = state.host === "0.0.0.0" || state.host === "::" ? "127.0.0.1" : state.host;
  return `http://${host}:${state.port}${state.base_path.replace(/\/+$/, "")}`;
}

async function get(url: string): Promise<unknown> {
  const key = process.env.MODEL_COMPOSE_API_KEY;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: key ? { Authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new RunError(`cannot reach the controller at ${url}: ${(error as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new RunError(`${url} answered ${res.status}: ${body.error ?? "no error message"}`);
  return body;
}

interface TaskRow {
  task_id: string;
  workflow_id: string;
  status: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  error?: string;
  jobs?: {
    id: string;
    status: string;
    attempts?: number;
    started_at?: string;
    finished_at?: string;
    error?: string;
  }[];
}

function duration(t: { started_at?: string; finished_at?: string }): string {
  if (!t.started_at || !t.finished_at) return "-";
  const ms = Date.parse(t.finished_at) - Date.parse(t.started_at);
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export async function runsCommand(
  action: string | undefined,
  id: string | undefined,
  opts: RunsOptions,
  composition: Composition,
): Promise<number> {
  try {
    const base = await apiBase(opts, composition);
    const asJson = opts.json === true || !isTerminal(1);
    if (action === "show") {
      if (!id) throw new ConfigError("runs show needs a task id: model-compose runs show ID");
      const task = (await get(`${base}/tasks/${encodeURIComponent(id)}`)) as TaskRow;
      if (asJson) {
        writeStdout(`${JSON.stringify(task, null, 2)}\n`);
        return 0;
      }
      const head = [
        `task      ${task.task_id}`,
        `workflow  ${task.workflow_id}`,
        `status    ${task.status}`,
        `created   ${task.created_at}`,
        `duration  ${duration(task)}`,
        ...(task.error ? [`error     ${task.error}`] : []),
      ];
      const jobs = [
        ["JOB", "STATUS", "ATTEMPTS", "DURATION", "ERROR"],
        ...(task.jobs ?? []).map((j) => [
          j.id,
          j.status,
          String(j.attempts ?? "-"),
          duration(j),
          j.error ?? "",
        ]),
      ];
      writeStdout(`${head.join("\n")}\n\n${table(jobs)}\n`);
      return 0;
    }
    if (action !== undefined) throw new ConfigError(`unknown runs action "${action}" (expected: show ID)`);
    const query = new URLSearchParams();
    if (opts.workflow) query.set("workflow_id", opts.workflow);
    if (opts.status) query.set("status", opts.status);
    query.set("limit", opts.limit ?? "20");
    const page = (await get(`${base}/tasks?${query}`)) as { tasks: TaskRow[]; next_cursor: string | null };
    if (asJson) {
      writeStdout(`${JSON.stringify(page, null, 2)}\n`);
      return 0;
    }
    const rows = [
      ["TASK", "WORKFLOW", "STATUS", "CREATED", "DURATION"],
      ...page.tasks.map((t) => [t.task_id, t.workflow_id, t.status, t.created_at, duration(t)]),
    ];
    writeStdout(`${table(rows)}\n`);
    return 0;
  } catch (error) {
    return reportError(error, Boolean(opts.verbose));
  }
}
