// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * A job's escaped processes under the controller, in its worker threads: a `setsid`
 * child of a run cancelled through `POST /api/tasks/ID/cancel` is gone afterwards, and so
 * is the one a completed run left behind (checked with kill -0, which also answers for a
 * zombie the controller failed to reap).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { cleanup, makeProject, postJson, startRun, upForeground, waitFor, waitForTask } from "./helpers.ts";

afterAll(cleanup);

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const orphan = (pidFile: string) =>
  `(setsid sh -c 'echo $$ > ${pidFile}; exec sleep 60' >/dev/null 2>&1 &); while [ ! -s ${pidFile} ]; do sleep 0.01; done`;

describe.skipIf(process.platform !== "linux")("processes of a run under the threaded controller", () => {
  test("cancelled through the API, completed: no process of the job is left", async () => {
    const project = makeProject((dir) => ({
      controller: { threaded: true },
      workflows: [
        {
          id: "slow",
          default: true,
          component: "shell",
          command: `${orphan(path.join(dir, "slow.pid"))}; sleep 60`,
        },
        {
          id: "quick",
          component: "shell",
          command: `${orphan(path.join(dir, "quick.pid"))}; echo done`,
          output: "${stdout}",
        },
      ],
    }));
    await upForeground(project);

    const started = await startRun(project, { workflow_id: "slow", wait_for_completion: false });
    const taskId = started.body.task_id as string;
    const slowPid = path.join(project.dir, "slow.pid");
    await waitFor(
      "the slow job's child",
      () => existsSync(slowPid) && readFileSync(slowPid, "utf8").trim() !== "",
    );
    const pid = Number(readFileSync(slowPid, "utf8").trim());
    expect(exists(pid)).toBe(true);
    const cancel = await postJson(`${project.api}/tasks/${taskId}/cancel`, {});
    expect(cancel.status).toBeLessThan(300);
    const task = await waitForTask(project, taskId);
    expect(task.status).toBe("cancelled");
    expect(await waitFor("the cancelled job's child to be gone", () => !exists(pid))).toBe(true);

    const quick = await startRun(project, { workflow_id: "quick", wait_for_completion: true });
    expect(quick.body.output).toBe("done\n");
    const quickPid = Number(readFileSync(path.join(project.dir, "quick.pid"), "utf8").trim());
    expect(exists(quickPid)).toBe(false);
  });
});
