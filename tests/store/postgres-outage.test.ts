// biome-ignore-all lint/suspicious/noExplicitAny: reply bodies are untyped JSON that tests pick apart
/**
 * PostgreSQL stopped while runs execute, then started again: no crash, 503s and an
 * unavailable /health while it is down, and every run's final state recorded exactly
 * once afterwards. On a private cluster (tests/support/private-postgres.ts), never the
 * shared server.
 */
import { afterAll, expect, test } from "bun:test";
import * as path from "node:path";
import {
  cleanup,
  makeProject,
  readLines,
  request,
  startRun,
  upForeground,
  waitFor,
  waitForTask,
} from "../controller/helpers.ts";
import { PrivatePostgres } from "../support/private-postgres.ts";

const pg = new PrivatePostgres().init();
pg.start();
afterAll(async () => {
  await cleanup();
  pg.destroy();
});

test("PostgreSQL stopped mid-run and started again: 503 while down, every final state written once", async () => {
  let log = "";
  const p = makeProject((dir) => {
    log = path.join(dir, "runs.log");
    return {
      controller: { store: { driver: "postgres", url: pg.url, connect_timeout: "10s" } },
      workflow: {
        component: "shell",
        command: `echo start \${input.id} >> ${log}; sleep 3; echo end \${input.id} >> ${log}`,
      },
    };
  });
  const up = await upForeground(p);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++)
    ids.push((await startRun(p, { input: { id: i }, wait_for_completion: false })).body.task_id);
  await waitFor(
    "every run to start",
    () => readLines(log).filter((l) => l.startsWith("start")).length === 4,
    30_000,
  );

  pg.stop();
  const health = await waitFor(
    "/health to report the store",
    async () => {
      const r = await request(`${p.url}/health`);
      return r.status === 503 ? r : undefined;
    },
    30_000,
  );
  expect(health.body).toMatchObject({ status: "unavailable", store: { driver: "postgres" } });
  expect(health.headers.get("retry-after")).toBe("2");
  const refused = await request(`${p.api}/tasks/${ids[0]}`);
  expect(refused.status).toBe(503);
  expect(refused.body.error).toContain(
    `the run store (postgres at 127.0.0.1:${pg.port}/postgres) is unavailable`,
  );
  // The runs finish while the database is away.
  await waitFor(
    "every run to end",
    () => readLines(log).filter((l) => l.startsWith("end")).length === 4,
    30_000,
  );

  pg.start();
  for (const id of ids) {
    const task = await waitForTask(p, id, ["completed", "failed", "cancelled", "interrupted"], 60_000);
    expect(task.status).toBe("completed");
    expect(task.jobs[0].status).toBe("completed");
  }
  expect((await request(`${p.url}/health`)).status).toBe(200);
  expect(up.proc.exitCode).toBeNull();
  const metrics = (await request(`${p.url}/metrics`)).body as string;
  const finished = metrics
    .split("\n")
    .filter((l) => l.startsWith("model_compose_runs_finished_total{"))
    .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
  expect(finished).toBe(4);
  expect(up.log()).toContain("run store reachable again");
  up.proc.kill("SIGTERM");
  expect(await up.proc.exited).toBe(0);
}, 180_000);
