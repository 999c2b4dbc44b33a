/**
 * The controller's floor: its own middleware and body read, then the workflow run by
 * the engine in the request handler, answered as the controller answers a waited run.
 * Nothing is recorded: no store, queue, run bus, replay log or metrics, and the
 * request is not checked against the run request's schema. What the controller costs
 * over this is what recording a run, and waiting for it through the store and the bus,
 * costs. The compose file is MC_FILE, the port PORT, both from the environment.
 */
import { Hono } from "hono";
import { loadProject } from "../../../mod.ts";
import { InProcessExecutor } from "../../../runtime/controller/executor.ts";
import { hostCheck } from "../../../runtime/controller/host-check.ts";
import { nextTurn } from "../../../runtime/controller/next-turn.ts";
import { originCheck, originList } from "../../../runtime/controller/origin-check.ts";
import { bodyGuard, readJsonBody } from "../../../runtime/controller/read-body.ts";
import { silentLogger } from "../../../runtime/log.ts";
import { ulid } from "../../../runtime/ulid.ts";

const project = await loadProject({ files: [process.env.MC_FILE!] });
const { controller } = project;
const executor = new InProcessExecutor(project, silentLogger());
const limits = {
  maxBytes: controller.max_body_size,
  timeoutMs: controller.body_timeout,
  maxDepth: controller.max_json_depth,
};
const app = new Hono();
// The same checks, in the same order, as the controller's app (runtime/controller/app.ts).
app.use("*", nextTurn());
app.use("*", bodyGuard(limits));
const host = hostCheck({ boundHost: controller.host ?? "127.0.0.1", allowedHosts: controller.allowed_hosts });
if (host) app.use("*", host);
app.use("*", originCheck(originList(controller.origins)));
app.get("/health", (c) => c.text("ok"));
app.post("/api/workflows/runs", async (c) => {
  const body = (await readJsonBody(c, limits)) as { input?: unknown };
  const taskId = ulid();
  const outcome = await executor.execute(
    { runId: taskId, workflowId: project.defaultWorkflowId!, input: body.input ?? {} },
    new AbortController().signal,
    () => {},
  );
  return c.json({ task_id: taskId, status: "completed", output: outcome.output ?? null });
});
Bun.serve({ hostname: "127.0.0.1", port: Number(process.env.PORT), fetch: app.fetch });
