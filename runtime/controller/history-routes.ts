/**
 * Run history over HTTP: `GET {base_path}/tasks` lists runs newest first with filters
 * and cursor paging, and `POST {base_path}/tasks/{id}/retry` starts a new run with the
 * same workflow and input, linked to the old one by `retry_of`. A bad filter value is a
 * 400 that lists what is accepted.
 */
import type { Context, Hono } from "hono";
import type { Project } from "../compose/model.ts";
import type { RequestEnv } from "../host/types.ts";
import { TASK_STATUSES, type TaskFilter, type TaskRecord, type TaskStatus } from "../store/task-record.ts";
import type { TaskStore } from "../store/task-store.ts";
import { HttpError } from "./http-error.ts";
import type { RunManager } from "./run-manager.ts";

/** Runs per page when `limit` is not given, and the most a page may hold. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** `?output_only=true`: answer with the run's output alone (upstream's option). */
export function outputOnly(c: Context): boolean {
  const value = c.req.query("output_only");
  if (value === undefined || value === "false" || value === "0") return false;
  if (value === "" || value === "true" || value === "1") return true;
  throw new HttpError(400, `invalid output_only "${value}": expected true or false`);
}

function isoTime(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(ms))
    throw new HttpError(
      400,
      `invalid ${name} "${value}": expected an ISO 8601 time (2026-01-31T12:00:00Z) or Unix seconds`,
    );
  return new Date(ms).toISOString();
}

/** The filter, cursor and limit of a list request; every mistake is a 400 naming the parameter. */
export function listQuery(
  c: Context,
  project: Project,
): { filter: TaskFilter; cursor?: string; limit: number } {
  const q = (name: string) => c.req.query(name) || undefined;
  const filter: TaskFilter = {};
  const workflow = q("workflow_id");
  if (workflow !== undefined) {
    if (!project.workflows.has(workflow))
      throw new HttpError(
        400,
        `invalid workflow_id "${workflow}": expected one of ${[...project.workflows.keys()].join(", ") || "(none)"}`,
      );
    filter.workflow_id = workflow;
  }
  const status = q("status");
  if (status !== undefined) {
    const list = status.split(",").map((s) => s.trim());
    const bad = list.find((s) => !TASK_STATUSES.includes(s as TaskStatus));
    if (bad !== undefined)
      throw new HttpError(
        400,
        `invalid status "${bad}": expected one of ${TASK_STATUSES.join(", ")} (comma-separated)`,
      );
    filter.status = list as TaskStatus[];
  }
  filter.since = isoTime("since", q("since"));
  filter.until = isoTime("until", q("until"));
  const limitText = q("limit");
  let limit = DEFAULT_PAGE;
  if (limitText !== undefined) {
    limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_PAGE)
      throw new HttpError(400, `invalid limit "${limitText}": expected a whole number from 1 to ${MAX_PAGE}`);
  }
  const cursor = q("cursor");
  if (cursor !== undefined && !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(cursor))
    throw new HttpError(400, `invalid cursor "${cursor}": pass back the next_cursor of the previous page`);
  return { filter, cursor, limit };
}

export interface HistoryDeps {
  project: Project;
  store: TaskStore;
  manager: RunManager;
  base: string;
  route: <P extends string>(method: "GET" | "POST", path: P) => P;
  view: (task: TaskRecord) => unknown;
}

export function addHistoryRoutes(app: Hono<{ Bindings: RequestEnv }>, deps: HistoryDeps): void {
  const { project, store, manager, base, route, view } = deps;

  app.get(route("GET", `${base}/tasks`), async (c) => {
    const { filter, cursor, limit } = listQuery(c, project);
    const only = outputOnly(c);
    const page = await store.list(filter, cursor, limit);
    return c.json({
      tasks: page.tasks.map((t) => (only ? { task_id: t.task_id, output: t.output ?? null } : view(t))),
      next_cursor: page.next_cursor ?? null,
    });
  });

  app.post(route("POST", `${base}/tasks/:id/retry`), async (c) => {
    const id = c.req.param("id");
    if (!manager.accepting)
      throw new HttpError(503, "the controller is shutting down and accepts no new runs");
    const old = await store.get(id);
    if (!old) throw new HttpError(404, `unknown task "${id}"`);
    if (!project.workflows.has(old.workflow_id))
      throw new HttpError(
        409,
        `task "${id}" ran workflow "${old.workflow_id}", which is no longer in the compose file`,
      );
    const { taskId } = await manager.submitWith(old.workflow_id, old.input ?? {}, { retryOf: id });
    return c.json({ task_id: taskId, status: "pending", retry_of: id }, 202);
  });
}
