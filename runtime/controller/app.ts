/**
 * The controller's HTTP API (hono): health, metrics, workflows, runs, tasks. JSON in
 * and out; every bad request gets a 4xx with `{"error": ...}` saying what is wrong.
 */
import { timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import * as v from "valibot";
import type { Project, WorkflowModel } from "../compose/model.ts";
import { ConfigError, RunError } from "../errors.ts";
import { Flag, formatIssues, strictMap, Text } from "../schema-kit.ts";
import type { TaskRecord } from "../store/task-record.ts";
import type { TaskStore } from "../store/task-store.ts";
import { prepareInput } from "../workflow/run-workflow.ts";
import type { RunEventLog } from "./event-log.ts";
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from "./event-stream.ts";
import { type EventStreamDeps, eventStreamResponse, resumePoint, wantsEventStream } from "./events-route.ts";
import type { ControllerMetrics } from "./metrics.ts";
import type { RunManager } from "./run-manager.ts";

const RunRequestSchema = strictMap({
  workflow_id: v.optional(Text),
  input: v.optional(v.unknown()),
  wait_for_completion: v.optional(Flag, true),
  /** Answer with the run's event stream instead of its result. */
  stream: v.optional(Flag, false),
});

class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

export interface AppDeps {
  project: Project;
  manager: RunManager;
  store: TaskStore;
  metrics: ControllerMetrics;
  /** The replay log of run events, for the event streams. */
  events: RunEventLog;
  streamLimits?: StreamLimits;
}

function taskView(task: TaskRecord) {
  const { task_id, workflow_id, status, output, error, created_at, started_at, finished_at, jobs } = task;
  return { task_id, workflow_id, status, output, error, created_at, started_at, finished_at, jobs };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createApp({ project, manager, store, metrics, events, streamLimits }: AppDeps): Hono {
  const { controller } = project;
  const streams: EventStreamDeps = {
    log: events,
    limits: streamLimits ?? DEFAULT_STREAM_LIMITS,
    task: (id) => store.get(id),
    bus: manager.bus,
  };
  const base = controller.base_path.replace(/\/+$/, "");
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof HttpError) return c.json({ error: error.message }, error.status);
    return c.json({ error: `internal error: ${error.message}` }, 500);
  });
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));

  const origins = controller.origins;
  app.use("*", cors({ origin: origins === "*" ? "*" : Array.isArray(origins) ? origins : [origins] }));

  const health = (c: import("hono").Context) =>
    manager.accepting ? c.json({ status: "ok" }) : c.json({ status: "shutting_down" }, 503);
  app.get("/health", health);
  app.get(`${base}/health`, health);

  const keys = controller.auth?.api_keys ?? [];
  if (keys.length > 0) {
    app.use("*", async (c, next) => {
      const header = c.req.header("authorization") ?? "";
      const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
      if (!token || !keys.some((k) => sameSecret(token, k))) {
        c.header("WWW-Authenticate", 'Bearer realm="model-compose"');
        return c.json({ error: token ? "invalid API key" : "missing Authorization: Bearer <api key>" }, 401);
      }
      await next();
    });
  }

  app.get("/metrics", async (c) =>
    c.body(await metrics.render(), 200, { "Content-Type": metrics.contentType }),
  );

  app.get(`${base}/workflows`, (c) =>
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

  app.get(`${base}/workflows/:id`, (c) => {
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

  app.post(
    `${base}/workflows/runs`,
    bodyLimit({
      maxSize: controller.max_body_size,
      onError: (c) =>
        c.json({ error: `request body is larger than the limit of ${controller.max_body_size} bytes` }, 413),
    }),
    async (c) => {
      if (!manager.accepting)
        throw new HttpError(503, "the controller is shutting down and accepts no new runs");
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/(.+\+)?json\b/i.test(type)) {
        throw new HttpError(
          415,
          `expected Content-Type: application/json, found ${type ? `"${type}"` : "none"}`,
        );
      }
      const text = await c.req.text();
      let body: unknown;
      try {
        body = text.trim() === "" ? {} : JSON.parse(text);
      } catch (error) {
        throw new HttpError(400, `malformed JSON body: ${(error as Error).message}`);
      }
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
        if (error instanceof RunError || error instanceof ConfigError)
          throw new HttpError(400, error.message);
        throw error;
      }
      const taskId = await manager.submit(workflowId, input);
      if (request.stream || wantsEventStream(c)) {
        c.header("X-Task-Id", taskId);
        return eventStreamResponse(c, streams, taskId, 0);
      }
      if (!request.wait_for_completion) return c.json({ task_id: taskId, status: "pending" }, 202);
      const task = (await manager.wait(taskId))!;
      if (task.status === "completed")
        return c.json({ task_id: taskId, status: task.status, output: task.output ?? null });
      return c.json(
        { task_id: taskId, status: task.status, error: task.error ?? task.status },
        task.status === "cancelled" ? 409 : 500,
      );
    },
  );

  app.get(`${base}/tasks/:id`, async (c) => {
    const task = await store.get(c.req.param("id"));
    if (!task) throw new HttpError(404, `unknown task "${c.req.param("id")}"`);
    return c.json(taskView(task));
  });

  app.get(`${base}/tasks/:id/events`, async (c) => {
    const id = c.req.param("id");
    const after = resumePoint(c);
    if (typeof after === "string") throw new HttpError(400, after);
    if (!events.has(id) && !(await store.get(id))) throw new HttpError(404, `unknown task "${id}"`);
    return eventStreamResponse(c, streams, id, after);
  });

  app.post(`${base}/tasks/:id/cancel`, async (c) => {
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
