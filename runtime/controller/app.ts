/**
 * The controller's HTTP API (hono): health, metrics, workflows, runs, tasks. JSON in
 * and out; every bad request gets a 4xx with `{"error": ...}` saying what is wrong.
 */
import { createHash } from "node:crypto";
import { type Context, Hono } from "hono";
import * as v from "valibot";
import type { Project, WorkflowModel } from "../compose/model.ts";
import { ConfigError, RunError, ServiceUnavailableError } from "../errors.ts";
import type { RequestEnv } from "../host/types.ts";
import { describeValue, formatIssues, strictMap, Text } from "../schema-kit.ts";
import { StoreUnavailableError } from "../store/guard.ts";
import type { TaskRecord } from "../store/task-record.ts";
import type { CallbackRecord, TaskStore } from "../store/task-store.ts";
import { prepareInput } from "../workflow/run-workflow.ts";
import { routeTable } from "./allowed-methods.ts";
import { apiKeyAuth } from "./api-key-auth.ts";
import type { RunEventLog } from "./event-log.ts";
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from "./event-stream.ts";
import { type EventStreamDeps, eventStreamResponse, resumePoint, wantsEventStream } from "./events-route.ts";
import { addHistoryRoutes, outputOnly } from "./history-routes.ts";
import { hostCheck } from "./host-check.ts";
import { HttpError } from "./http-error.ts";
import type { ControllerMetrics } from "./metrics.ts";
import { nextTurn } from "./next-turn.ts";
import { corsFor, originCheck, originList } from "./origin-check.ts";
import { type BodyLimits, bodyGuard, readJsonBody } from "./read-body.ts";
import type { RunManager } from "./run-manager.ts";
import { QueueFullError } from "./run-queue.ts";
import { addWebUi } from "./webui.ts";

/** Retry-After on a 429 or 503, in seconds: a guess short enough to keep clients close. */
const RETRY_AFTER_SECONDS = "2";

/** A JSON boolean; the strings "true"/"false" are refused, and the message says why. */
const JsonBoolean = v.boolean(
  (i) => `expected the JSON boolean true or false (without quotes), found ${describeValue(i.input)}`,
);

const RunRequestSchema = strictMap({
  workflow_id: v.optional(Text),
  input: v.optional(v.unknown()),
  wait_for_completion: v.optional(JsonBoolean, true),
  /** Answer with the run's event stream instead of its result. */
  stream: v.optional(JsonBoolean, false),
  /** POST the finished task here (callbacks.ts). */
  callback_url: v.optional(v.pipe(Text, v.regex(/^https?:\/\/\S+$/, "expected an http:// or https:// URL"))),
  callback_headers: v.optional(v.record(v.string(), Text)),
});

export interface AppDeps {
  project: Project;
  manager: RunManager;
  store: TaskStore;
  metrics: ControllerMetrics;
  /** The replay log of run events, for the event streams. */
  events: RunEventLog;
  streamLimits?: StreamLimits;
  /** Reported on /health, so `down` can tell this controller from another process. */
  instanceId?: string;
  /** The completion callbacks' outbox (callbacks.ts); without it callbacks go to the store alone. */
  callbacks?: { add(callback: CallbackRecord): Promise<void> };
  /** Services the controller depends on (the run queue); one that is not ok makes /health 503. */
  dependencies?: () => Record<string, { ok: boolean; [detail: string]: unknown }>;
}

/** The body as JSON with sorted keys, hashed: the same request in another key order matches. */
function requestHash(body: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v as object)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash("sha256")
    .update(JSON.stringify(sorted(body ?? {})))
    .digest("hex");
}

export function taskView(task: TaskRecord) {
  const { task_id, workflow_id, status, output, error, created_at, started_at, finished_at, jobs } = task;
  const { attempts, worker, input, retry_of, truncated } = task;
  return {
    task_id,
    workflow_id,
    status,
    output,
    error,
    created_at,
    started_at,
    finished_at,
    jobs,
    attempts,
    worker,
    input,
    retry_of,
    truncated,
  };
}

/** Lets a request outlive the server's idle timeout (a run waited for can take hours). */
function keepOpen(c: Context): void {
  (c.env as RequestEnv | undefined)?.keepOpen?.();
}

export function createApp({
  project,
  manager,
  store,
  metrics,
  events,
  streamLimits,
  instanceId,
  dependencies,
  callbacks,
}: AppDeps): Hono<{ Bindings: RequestEnv }> {
  const { controller } = project;
  const streams: EventStreamDeps = {
    log: events,
    limits: streamLimits ?? DEFAULT_STREAM_LIMITS,
    task: (id) => store.get(id),
    bus: manager.bus,
  };
  const outbox = callbacks ?? { add: (cb: CallbackRecord) => store.putCallback(cb) };
  const base = controller.base_path.replace(/\/+$/, "");
  const app = new Hono<{ Bindings: RequestEnv }>();
  const routes = routeTable();
  const route = <P extends string>(method: "GET" | "POST", path: P): P => {
    routes.add(method, path);
    return path;
  };
  const limits: BodyLimits = {
    maxBytes: controller.max_body_size,
    timeoutMs: controller.body_timeout,
    maxDepth: controller.max_json_depth,
  };

  app.onError((error, c) => {
    if (error instanceof HttpError) return c.json({ error: error.message }, error.status, error.headers);
    // The store, the queue or the run limit: not the caller's fault; try again shortly.
    if (error instanceof ServiceUnavailableError || error instanceof StoreUnavailableError)
      return c.json({ error: error.message }, 503, { "Retry-After": RETRY_AFTER_SECONDS });
    if (error instanceof QueueFullError)
      return c.json({ error: error.message }, 429, { "Retry-After": RETRY_AFTER_SECONDS });
    return c.json({ error: `internal error: ${error.message}` }, 500);
  });
  app.notFound((c) => {
    const allowed = routes.allowed(c.req.path);
    if (allowed.length === 0) return c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404);
    const allow = [...allowed, "OPTIONS"].sort().join(", ");
    if (c.req.method === "OPTIONS") return c.body(null, 204, { Allow: allow });
    return c.json(
      { error: `method ${c.req.method} is not allowed on ${c.req.path} (allowed: ${allowed.join(", ")})` },
      405,
      { Allow: allow },
    );
  });

  // First of all: the request is handled in a later turn, with the others (next-turn.ts).
  app.use("*", nextTurn());
  // Outermost of the checks: it also closes the connection after the refusals below.
  app.use("*", bodyGuard(limits));
  // Before anything else, health included: a page reached through DNS rebinding, or
  // one on another site, gets nothing from this controller (host-check.ts, origin-check.ts).
  const host = hostCheck({
    boundHost: controller.host ?? "127.0.0.1",
    allowedHosts: controller.allowed_hosts,
  });
  if (host) app.use("*", host);
  const origins = originList(controller.origins);
  app.use("*", originCheck(origins));
  const cors = corsFor(origins);
  if (cors) app.use("*", cors);

  const health = (c: Context) => {
    const id = instanceId ? { instance_id: instanceId } : {};
    if (!manager.accepting)
      return c.json({ status: "shutting_down", ...id }, 503, { "Retry-After": RETRY_AFTER_SECONDS });
    if (!dependencies) return c.json({ status: "ok", ...id });
    const all = dependencies();
    const parts = Object.fromEntries(Object.entries(all).map(([name, { ok: _ok, ...rest }]) => [name, rest]));
    const ok = Object.values(all).every((d) => d.ok);
    return c.json(
      { status: ok ? "ok" : "unavailable", ...id, ...parts },
      ok ? 200 : 503,
      ok ? {} : { "Retry-After": RETRY_AFTER_SECONDS },
    );
  };
  app.get(route("GET", "/health"), health);
  app.get(route("GET", `${base}/health`), health);

  if (controller.webui) {
    addWebUi(app, {
      path: controller.webui_path,
      basePath: base || "/",
      title: controller.title ?? controller.name ?? "model-compose",
      route: (path) => route("GET", path),
    });
  }

  const keys = controller.auth?.api_keys ?? [];
  if (keys.length > 0) app.use("*", apiKeyAuth(keys));

  app.get(route("GET", "/metrics"), async (c) =>
    c.body(await metrics.render(), 200, { "Content-Type": metrics.contentType }),
  );

  app.get(route("GET", `${base}/workflows`), (c) =>
    c.json(
      publicWorkflows(project).map((w) => ({
        id: w.id,
        workflow_id: w.id,
        title: w.title ?? null,
        description: w.description ?? null,
        default: w.id === project.defaultWorkflowId,
      })),
    ),
  );

  app.get(route("GET", `${base}/workflows/:id`), (c) => {
    const w = publicWorkflow(project, c.req.param("id"));
    if (!w) throw new HttpError(404, unknownWorkflow(project, c.req.param("id")));
    return c.json({
      id: w.id,
      workflow_id: w.id,
      title: w.title ?? null,
      description: w.description ?? null,
      default: w.id === project.defaultWorkflowId,
      input: w.inputVariables.map((name) => ({
        name,
        required: w.requiredInputs.includes(name),
        ...w.inputHints[name],
      })),
      jobs: w.jobs.map((j) => ({
        id: j.id,
        component: j.component.id,
        type: j.component.type,
        depends_on: j.dependsOn,
      })),
    });
  });

  app.post(route("POST", `${base}/workflows/runs`), async (c) => {
    if (!manager.accepting)
      throw new HttpError(503, "the controller is shutting down and accepts no new runs", {
        "Retry-After": RETRY_AFTER_SECONDS,
      });
    const body = await readJsonBody(c, limits);
    // valibot's object schemas accept arrays; a list is not a request.
    if (Array.isArray(body))
      throw new HttpError(400, "invalid request body: expected a map (a JSON object), found a list");
    const parsed = v.safeParse(RunRequestSchema, body);
    if (!parsed.success) {
      throw new HttpError(400, `invalid request body: ${formatIssues(parsed.issues)}`);
    }
    const request = parsed.output;
    const workflowId = request.workflow_id ?? project.defaultWorkflowId;
    if (!workflowId) {
      throw new HttpError(
        400,
        `no default workflow; name one with workflow_id (${[...project.workflows.keys()].join(", ")})`,
      );
    }
    const workflow = publicWorkflow(project, workflowId);
    if (!workflow) throw new HttpError(404, unknownWorkflow(project, workflowId));
    const input = request.input ?? {};
    try {
      prepareInput(workflow, input, project.env, { run_id: "", workflow_id: workflowId, started_at: "" });
    } catch (error) {
      if (error instanceof RunError || error instanceof ConfigError) throw new HttpError(400, error.message);
      throw error;
    }
    const key = c.req.header("idempotency-key");
    if (key !== undefined && (key.trim() === "" || key.length > 255))
      throw new HttpError(400, "invalid Idempotency-Key: expected 1 to 255 characters");
    const idempotency = key === undefined ? undefined : { key, hash: requestHash(body) };
    const streamed = request.stream || wantsEventStream(c);
    // Answered when the run is done or as it goes: the request may outlive the idle timeout.
    if (streamed || request.wait_for_completion) keepOpen(c);
    // A run answered when it is done, with nothing to hear of it on the way (no stream,
    // no callback), may run inside this request (RunManager.runWaited).
    const here = request.wait_for_completion && !streamed && !request.callback_url;
    const submitted: Awaited<ReturnType<RunManager["runWaited"]>> = here
      ? await manager.runWaited(workflowId, input, { idempotency })
      : await manager.submitWith(workflowId, input, { idempotency });
    const taskId = submitted.taskId;
    if (request.callback_url && !submitted.existing)
      await outbox.add({
        task_id: taskId,
        url: request.callback_url,
        headers: request.callback_headers ?? {},
        state: "pending",
        attempts: 0,
      });
    if (submitted.existing) {
      if (submitted.existing.hash !== requestHash(body))
        throw new HttpError(
          409,
          `Idempotency-Key "${key}" was used for another request body (task ${taskId}); use a new key for a new request`,
        );
      c.header("Idempotent-Replayed", "true");
    }
    if (streamed) {
      c.header("X-Task-Id", taskId);
      return eventStreamResponse(c, streams, taskId, 0);
    }
    if (!request.wait_for_completion) return c.json({ task_id: taskId, status: "pending" }, 202);
    const task = (submitted.record ?? (await manager.wait(taskId)))!;
    if (task.status === "completed" && outputOnly(c)) return c.json(task.output ?? null);
    if (task.status === "completed")
      return c.json({ task_id: taskId, status: task.status, output: task.output ?? null });
    return c.json(
      { task_id: taskId, status: task.status, error: task.error ?? task.status },
      task.status === "cancelled" ? 409 : 500,
    );
  });

  app.get(route("GET", `${base}/tasks/:id`), async (c) => {
    const task = await store.get(c.req.param("id"));
    if (!task) throw new HttpError(404, `unknown task "${c.req.param("id")}"`);
    if (outputOnly(c)) return c.json(task.output ?? null);
    return c.json(taskView(task));
  });

  addHistoryRoutes(app, { project, store, manager, base, route, view: taskView });

  app.get(route("GET", `${base}/tasks/:id/events`), async (c) => {
    const id = c.req.param("id");
    const after = resumePoint(c);
    if (typeof after === "string") throw new HttpError(400, after);
    if (!events.has(id) && !(await store.get(id))) throw new HttpError(404, `unknown task "${id}"`);
    keepOpen(c);
    return eventStreamResponse(c, streams, id, after);
  });

  app.post(route("POST", `${base}/tasks/:id/cancel`), async (c) => {
    const id = c.req.param("id");
    const result = await manager.cancel(id);
    if (result === "unknown") throw new HttpError(404, `unknown task "${id}"`);
    if (result === "finished") {
      throw new HttpError(
        409,
        `task "${id}" has already finished (${(await store.get(id))?.status}) and cannot be cancelled`,
      );
    }
    return c.json({ task_id: id, status: "cancelling" }, 202);
  });

  return app;
}

/** Workflows HTTP clients see: `private: true` ones are for `run` and other workflows only. */
function publicWorkflows(project: Project): WorkflowModel[] {
  return [...project.workflows.values()].filter((w) => !w.isPrivate);
}

function publicWorkflow(project: Project, id: string): WorkflowModel | undefined {
  const w = project.workflows.get(id);
  return w && !w.isPrivate ? w : undefined;
}

function unknownWorkflow(project: Project, id: string): string {
  const ids = publicWorkflows(project).map((w) => w.id);
  return `unknown workflow "${id}" (workflows: ${ids.join(", ") || "none"})`;
}
