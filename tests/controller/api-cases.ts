// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The HTTP API checks of a foreground `up`, run in both execution modes (api.test.ts,
 * threaded.test.ts): health, workflows, runs waited for or polled, failures naming
 * the job, cancellation that kills the shell process.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as path from "node:path";
import {
  cleanup,
  type Foreground,
  getTask,
  isAlive,
  makeProject,
  request,
  startRun,
  type TestProject,
  upForeground,
  waitFor,
  waitForTask,
} from "./helpers.ts";

/** Workflows shared by the in-process and the threaded API tests. */
export function apiWorkflows(dir: string) {
  return [
    {
      id: "greet",
      title: "Greet",
      description: "Says hello",
      default: true,
      jobs: [
        {
          id: "say",
          component: "shell",
          input: { name: "${input.name}" },
          command: "printf 'hello %s' ${input.name}",
          output: "${stdout}",
        },
      ],
    },
    {
      id: "broken",
      jobs: [
        { id: "fine", component: "shell", command: "true" },
        { id: "explode", component: "shell", command: "echo boom >&2; exit 3" },
      ],
    },
    {
      id: "slow",
      jobs: [
        {
          id: "wait",
          component: "shell",
          // The shell and its child record their pids, so the test can see both die.
          command: `sleep 30 & echo "$$ $!" > ${JSON.stringify(path.join(dir, "slow.pids"))}; wait`,
        },
      ],
    },
  ];
}

/** Registers the API checks against a foreground controller (`threaded` or not). */
export function describeApi(name: string, threaded: boolean): void {
  describe(name, () => {
    let project: TestProject;
    let up: Foreground;

    beforeAll(async () => {
      project = makeProject((dir) => ({ controller: { threaded }, workflows: apiWorkflows(dir) }));
      up = await upForeground(project);
    });
    afterAll(cleanup);

    test("health at /health and {base_path}/health", async () => {
      for (const route of [`${project.url}/health`, `${project.api}/health`]) {
        const reply = await request(route);
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ status: "ok", instance_id: expect.any(String) });
      }
    });

    test("lists workflows and shows one with its input variables", async () => {
      const list = await request(`${project.api}/workflows`);
      expect(list.status).toBe(200);
      expect(list.body.map((w: { id: string }) => w.id)).toEqual(["greet", "broken", "slow"]);
      expect(list.body[0]).toMatchObject({
        id: "greet",
        title: "Greet",
        description: "Says hello",
        default: true,
      });
      expect(list.body[1]).toMatchObject({ id: "broken", default: false });

      const detail = await request(`${project.api}/workflows/greet`);
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({ id: "greet", title: "Greet", default: true });
      expect(detail.body.input.map((i: { name: string }) => i.name)).toEqual(["name"]);
      expect(detail.body.jobs.map((j: { id: string }) => j.id)).toEqual(["say"]);
    });

    test("a run waited for answers 200 with its output", async () => {
      const reply = await startRun(project, { workflow_id: "greet", input: { name: "world" } });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ status: "completed", output: "hello world" });
      expect(reply.body.task_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    });

    test("the default workflow runs when none is named", async () => {
      const reply = await startRun(project, { input: { name: "default" } });
      expect(reply.status).toBe(200);
      expect(reply.body.output).toBe("hello default");
    });

    test("a run not waited for answers 202 pending, then completes with per-job states and timings", async () => {
      const reply = await startRun(project, {
        workflow_id: "greet",
        input: { name: "later" },
        wait_for_completion: false,
      });
      expect(reply.status).toBe(202);
      expect(reply.body).toEqual({ task_id: expect.any(String), status: "pending" });
      const task = await waitForTask(project, reply.body.task_id);
      expect(task).toMatchObject({
        task_id: reply.body.task_id,
        workflow_id: "greet",
        status: "completed",
        output: "hello later",
      });
      for (const key of ["created_at", "started_at", "finished_at"])
        expect(Date.parse(task[key])).not.toBeNaN();
      expect(task.created_at <= task.started_at && task.started_at <= task.finished_at).toBe(true);
      expect(task.jobs).toHaveLength(1);
      const [job] = task.jobs;
      expect(job).toMatchObject({ id: "say", status: "completed" });
      expect(Date.parse(job.started_at)).not.toBeNaN();
      expect(Date.parse(job.finished_at)).not.toBeNaN();
    });

    test("a failing run reports status failed and names the job", async () => {
      const reply = await startRun(project, { workflow_id: "broken" });
      expect(reply.body.status).toBe("failed");
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.body.error).toContain("explode");
      expect(reply.body.error).toContain("exited with code 3");

      const task = await getTask(project, reply.body.task_id);
      expect(task.status).toBe("failed");
      expect(task.error).toContain("explode");
      const states = Object.fromEntries(
        task.jobs.map((j: { id: string; status: string }) => [j.id, j.status]),
      );
      expect(states).toEqual({ fine: "completed", explode: "failed" });
    });

    test("cancelling a running run stops it and kills its shell process", async () => {
      const pidFile = path.join(project.dir, "slow.pids");
      const reply = await startRun(project, { workflow_id: "slow", wait_for_completion: false });
      expect(reply.status).toBe(202);
      const id = reply.body.task_id;
      await waitForTask(project, id, ["running"]);
      const pids = await waitFor("the job's pids", async () => {
        const text = await Bun.file(pidFile)
          .text()
          .catch(() => "");
        const found = text.trim().split(/\s+/).map(Number);
        return found.length === 2 && found.every((p) => p > 0) ? found : undefined;
      });
      expect(pids.every(isAlive)).toBe(true);

      const cancel = await request(`${project.api}/tasks/${id}/cancel`, { method: "POST" });
      expect(cancel.status).toBeLessThan(300);
      const task = await waitForTask(project, id, ["completed", "failed", "cancelled"], 10_000);
      expect(task.status).toBe("cancelled");
      expect(task.error).toContain("cancelled by request");
      expect(task.jobs[0].status).toBe("cancelled");
      await waitFor("the shell and its child to exit", () => pids.every((p) => !isAlive(p)), 10_000);
    });

    test("cancelling a finished task is a conflict (409)", async () => {
      const done = await startRun(project, { workflow_id: "greet", input: { name: "x" } });
      const reply = await request(`${project.api}/tasks/${done.body.task_id}/cancel`, { method: "POST" });
      expect(reply.status).toBe(409);
      expect(reply.body.error).toContain("already finished");
      expect((await getTask(project, done.body.task_id)).status).toBe("completed");
    });

    test("an unknown task is 404, for state and for cancel", async () => {
      const get = await request(`${project.api}/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV`);
      expect(get.status).toBe(404);
      expect(get.body.error).toContain("unknown task");
      const cancel = await request(`${project.api}/tasks/nope/cancel`, { method: "POST" });
      expect(cancel.status).toBe(404);
    });

    test("the process is still up", () => {
      expect(up.proc.exitCode).toBeNull();
    });
  });
}
