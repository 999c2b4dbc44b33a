// biome-ignore-all lint/suspicious/noExplicitAny: reply bodies are untyped JSON that tests pick apart
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose files hold ${...} bindings
/**
 * Durable runs end to end, the same cases for each store that keeps them (SQLite in the
 * project's state directory, a fresh PostgreSQL database): history across a restart,
 * a controller killed mid-run (its run interrupted, its pending run executed after the
 * next up), idempotent submission across a restart, the history API and retry. Plus
 * the faults at start-up and `store: memory`.
 */
import { afterAll, describe, expect, test } from "bun:test";
import * as path from "node:path";
import {
  cleanup,
  freePort,
  makeProject,
  postJson,
  readLines,
  request,
  runCli,
  startRun,
  type TestProject,
  upForeground,
  waitFor,
  waitForTask,
} from "../controller/helpers.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { alive } from "../support/process.ts";

const databases: TestDatabase[] = [];
afterAll(async () => {
  await cleanup();
  for (const d of databases) await d.drop();
});

const FINAL = ["completed", "failed", "cancelled", "interrupted"];

async function storeFor(driver: "sqlite" | "postgres"): Promise<unknown> {
  if (driver === "sqlite") return "sqlite";
  const db = await createTestDatabase("mc_durable");
  databases.push(db);
  return { driver: "postgres", url: db.url };
}

function project(store: unknown, log?: (dir: string) => string): TestProject {
  return makeProject((dir) => {
    const file = log?.(dir) ?? path.join(dir, "runs.log");
    return {
      controller: { store, max_concurrent_count: 1 },
      workflows: [
        {
          id: "echo",
          default: true,
          jobs: [{ id: "say", component: "shell", command: ["printf", "%s", "${input.text}"] }],
        },
        {
          id: "lingering",
          jobs: [
            {
              id: "work",
              component: "shell",
              // Its own pid and a background child's: both must be gone after a crash and the next up.
              command: `echo $$ > ${file}.shell; sleep 60 & echo $! > ${file}.child; echo start \${input.id} >> ${file}; wait`,
            },
          ],
        },
        {
          id: "slow",
          jobs: [
            {
              id: "work",
              component: "shell",
              command: `echo start \${input.id} >> ${file}; sleep \${input.seconds}; echo end \${input.id} >> ${file}`,
            },
          ],
        },
      ],
    };
  });
}

for (const driver of ["sqlite", "postgres"] as const) {
  describe(`durable runs (${driver})`, () => {
    test("runs persist across down and up; the history lists, filters and pages them", async () => {
      const p = project(await storeFor(driver));
      let up = await upForeground(p);
      const ids: string[] = [];
      for (const text of ["a", "b", "c"]) {
        const r = await startRun(p, { input: { text } });
        expect(r.status).toBe(200);
        ids.push(r.body.task_id);
      }
      up.proc.kill("SIGTERM");
      expect(await up.proc.exited).toBe(0);
      up = await upForeground(p);
      const task = (await request(`${p.api}/tasks/${ids[0]}`)).body;
      expect(task).toMatchObject({
        task_id: ids[0],
        workflow_id: "echo",
        status: "completed",
        input: { text: "a" },
      });
      expect(task.jobs).toEqual([expect.objectContaining({ id: "say", status: "completed", attempts: 1 })]);
      expect((await request(`${p.api}/tasks/${ids[0]}?output_only=true`)).body).toBe("a");

      const first = (await request(`${p.api}/tasks?limit=2`)).body;
      expect(first.tasks.map((t: any) => t.task_id)).toEqual([ids[2], ids[1]]);
      const second = (await request(`${p.api}/tasks?limit=2&cursor=${first.next_cursor}`)).body;
      expect(second.tasks.map((t: any) => t.task_id)).toEqual([ids[0]]);
      expect(second.next_cursor).toBeNull();
      expect((await request(`${p.api}/tasks?workflow_id=slow`)).body.tasks).toEqual([]);
      expect((await request(`${p.api}/tasks?status=failed`)).body.tasks).toEqual([]);
      const bad = await request(`${p.api}/tasks?status=done`);
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe(
        'invalid status "done": expected one of pending, running, completed, failed, cancelled, interrupted (comma-separated)',
      );
      expect((await request(`${p.api}/tasks?limit=100000`)).body.error).toBe(
        'invalid limit "100000": expected a whole number from 1 to 500',
      );

      const retry = await postJson(`${p.api}/tasks/${ids[1]}/retry`, {});
      expect(retry.status).toBe(202);
      const again = await waitForTask(p, retry.body.task_id, FINAL);
      expect(again).toMatchObject({ status: "completed", output: "b", retry_of: ids[1] });
      up.proc.kill("SIGTERM");
      await up.proc.exited;
    }, 120_000);

    test("SIGKILL mid-run: the running run is interrupted after the next up, its processes gone, the pending one runs", async () => {
      let log = "";
      const p = project(await storeFor(driver), (dir) => {
        log = path.join(dir, "runs.log");
        return log;
      });
      let up = await upForeground(p);
      const running = (
        await startRun(p, { workflow_id: "lingering", input: { id: "a" }, wait_for_completion: false })
      ).body.task_id;
      await waitFor("run a to start", () => readLines(log).includes("start a"), 30_000);
      const pids = [`${log}.shell`, `${log}.child`].map((f) => Number(readLines(f)[0]));
      expect(pids.every((pid) => pid > 0 && alive(pid))).toBe(true);
      const pending = (
        await startRun(p, { workflow_id: "slow", input: { id: "b", seconds: 0 }, wait_for_completion: false })
      ).body.task_id;
      up.proc.kill("SIGKILL");
      await up.proc.exited;
      // Orphaned, not ended: the killed controller could not.
      expect(pids.every(alive)).toBe(true);
      up = await upForeground(p);
      const a = await waitForTask(p, running, FINAL, 30_000);
      expect(a.status).toBe("interrupted");
      expect(a.error).toContain("stopped before it finished");
      expect(a.finished_at).toBeString();
      const b = await waitForTask(p, pending, FINAL, 30_000);
      expect(b.status).toBe("completed");
      expect(readLines(log)).toContain("end b");
      expect(readLines(log)).not.toContain("end a");
      await waitFor("the interrupted run's processes to be gone", () => !pids.some(alive), 30_000);
      up.proc.kill("SIGTERM");
      await up.proc.exited;
    }, 120_000);

    test("an Idempotency-Key returns the same task across a restart; another body with it is 409", async () => {
      const p = project(await storeFor(driver));
      let up = await upForeground(p);
      const headers = { "Idempotency-Key": "order-42" };
      const first = await startRun(p, { input: { text: "once" } }, headers);
      expect(first.status).toBe(200);
      up.proc.kill("SIGTERM");
      await up.proc.exited;
      up = await upForeground(p);
      const again = await startRun(p, { input: { text: "once" } }, headers);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ task_id: first.body.task_id, status: "completed", output: "once" });
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      const other = await startRun(p, { input: { text: "twice" } }, headers);
      expect(other.status).toBe(409);
      expect(other.body.error).toBe(
        `Idempotency-Key "order-42" was used for another request body (task ${first.body.task_id}); use a new key for a new request`,
      );
      expect((await request(`${p.api}/tasks`)).body.tasks).toHaveLength(1);
      up.proc.kill("SIGTERM");
      await up.proc.exited;
    }, 120_000);
  });
}

describe("completion callbacks", () => {
  test("every run's task record reaches the receiver, signed; one whose controller was killed before delivering too", async () => {
    const secret = "s3cret";
    const got: Array<{ body: any; valid: boolean }> = [];
    let refuse = true;
    const receiver = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const text = await req.text();
        const expected = `sha256=${new Bun.CryptoHasher("sha256", secret).update(text).digest("hex")}`;
        const body = JSON.parse(text);
        if (refuse && body.output === "late") return new Response("busy", { status: 503 });
        got.push({
          body,
          valid:
            req.headers.get("x-model-compose-signature") === expected && req.headers.get("x-extra") === "1",
        });
        return new Response("ok");
      },
    });
    try {
      const p = makeProject({
        controller: { store: "sqlite", callbacks: { secret } },
        workflow: { component: "shell", command: ["printf", "%s", "${input.text}"] },
      });
      const url = `http://127.0.0.1:${receiver.port}/hook`;
      let up = await upForeground(p);
      const on = { callback_url: url, callback_headers: { "X-Extra": "1" } };
      const a = (await postJson(`${p.api}/workflows/runs`, { input: { text: "first" }, ...on })).body.task_id;
      await waitFor("the first delivery", () => got.some((g) => g.body.task_id === a), 30_000);
      // The receiver refuses this one (503): the controller dies while it waits to retry.
      const b = (await postJson(`${p.api}/workflows/runs`, { input: { text: "late" }, ...on })).body.task_id;
      await Bun.sleep(300);
      up.proc.kill("SIGKILL");
      await up.proc.exited;
      refuse = false;
      up = await upForeground(p);
      await waitFor("the delivery after the restart", () => got.some((g) => g.body.task_id === b), 30_000);
      for (const g of got) expect(g.valid).toBe(true);
      expect(got.find((g) => g.body.task_id === a)!.body).toMatchObject({
        status: "completed",
        output: "first",
      });
      expect(got.find((g) => g.body.task_id === b)!.body).toMatchObject({
        status: "completed",
        output: "late",
      });
      const metrics = await request(`${p.url}/metrics`);
      expect(metrics.body).toContain('model_compose_callback_deliveries_total{result="delivered"}');
      up.proc.kill("SIGTERM");
      await up.proc.exited;
    } finally {
      receiver.stop(true);
    }
  }, 120_000);
});

describe("run store faults and choices", () => {
  test("PostgreSQL unreachable at up: exit 2 after connect_timeout, naming the store and its address", async () => {
    const port = freePort();
    const p = makeProject({
      controller: {
        store: {
          driver: "postgres",
          url: `postgres://u:secret@127.0.0.1:${port}/runs`,
          connect_timeout: "1s",
        },
      },
      workflow: { component: "shell", command: ["true"] },
    });
    const r = await runCli(p, ["up"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot open the run store (postgres at 127.0.0.1:${port}/runs)`);
    expect(r.stderr).toContain("gave up after 1s (controller.store.connect_timeout)");
    expect(r.stderr).not.toContain("secret");
  }, 60_000);

  test("store: memory keeps the old behaviour: runs are served, and gone after a restart", async () => {
    const p = project("memory");
    let up = await upForeground(p);
    const r = await startRun(p, { input: { text: "m" } });
    expect(r.body.status).toBe("completed");
    expect((await request(`${p.api}/tasks/${r.body.task_id}`)).body.output).toBe("m");
    up.proc.kill("SIGTERM");
    await up.proc.exited;
    up = await upForeground(p);
    expect((await request(`${p.api}/tasks/${r.body.task_id}`)).status).toBe(404);
    up.proc.kill("SIGTERM");
    await up.proc.exited;
  }, 60_000);

  test("model-compose runs lists the controller's runs and runs show prints one with its jobs", async () => {
    const p = project("sqlite");
    const up = await upForeground(p);
    const a = (await startRun(p, { input: { text: "x" } })).body.task_id;
    const b = (await startRun(p, { workflow_id: "slow", input: { id: "s", seconds: 0 } })).body.task_id;
    const list = await runCli(p, ["runs", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).tasks.map((t: any) => t.task_id)).toEqual([b, a]);
    const filtered = await runCli(p, ["runs", "--workflow", "echo", "--json"]);
    expect(JSON.parse(filtered.stdout).tasks.map((t: any) => t.task_id)).toEqual([a]);
    const show = await runCli(p, ["runs", "show", a, "--json"]);
    expect(JSON.parse(show.stdout)).toMatchObject({ task_id: a, status: "completed", jobs: [{ id: "say" }] });
    const missing = await runCli(p, ["runs", "show", "01ARZ3NDEKTSV4RRFFQ69G5FAV"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('answered 404: unknown task "01ARZ3NDEKTSV4RRFFQ69G5FAV"');
    up.proc.kill("SIGTERM");
    await up.proc.exited;
    const down = await runCli(p, ["runs"]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain("no controller is running for this project");
  }, 90_000);

  test("retention removes finished runs beyond max_count in the background, and nothing else", async () => {
    const p = makeProject({
      controller: { store: { driver: "sqlite", retention: { max_count: 2, interval: "100ms" } } },
      workflow: { component: "shell", command: ["printf", "%s", "${input.text}"] },
    });
    const up = await upForeground(p);
    const ids: string[] = [];
    for (const text of ["a", "b", "c", "d"]) ids.push((await startRun(p, { input: { text } })).body.task_id);
    await waitFor(
      "retention to remove the two oldest",
      async () => (await request(`${p.api}/tasks`)).body.tasks.length === 2,
      30_000,
    );
    expect((await request(`${p.api}/tasks`)).body.tasks.map((t: any) => t.task_id)).toEqual([ids[3], ids[2]]);
    expect((await request(`${p.api}/tasks/${ids[0]}`)).status).toBe(404);
    up.proc.kill("SIGTERM");
    await up.proc.exited;
  }, 60_000);

  test("a bad store driver is a load error naming the key", async () => {
    const p = makeProject({
      controller: { store: "mysql" },
      workflow: { component: "shell", command: ["true"] },
    });
    const r = await runCli(p, ["config"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("controller.store");
    expect(r.stderr).toContain("memory, sqlite, postgres");
  }, 30_000);
});
