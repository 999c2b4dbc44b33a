// biome-ignore-all lint/suspicious/noExplicitAny: task records are untyped JSON replies
/**
 * deploy/docker-compose.yml for real, with Debian's docker-compose and images built
 * here (local base images: no registry is reachable): five services healthy, a run
 * through the published port recorded in PostgreSQL, the history kept across
 * `restart` and `down` + `up` (no -v), and a worker killed mid-run whose run completes
 * on the other worker. Slow (image builds); bounded by the timeouts below.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { tempDir } from "../support/files.ts";
import { freePort } from "../support/net.ts";

const ROOT = path.resolve(import.meta.dir, "../..");
const DEPLOY = path.join(ROOT, "deploy");
const PROJECT = `mcdeploy${process.pid}`;
const port = freePort();
const api = `http://127.0.0.1:${port}/api`;
const envFile = path.join(tempDir("mc-deploy-"), "env");
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  POSTGRES_PASSWORD: randomBytes(12).toString("hex"),
  REDIS_PASSWORD: randomBytes(12).toString("hex"),
  PUBLISH_PORT: String(port),
  QUEUE_STALL_TIMEOUT: "3s",
  BUILDER_IMAGE: "model-compose/bun-builder:local",
  RUNTIME_IMAGE: "model-compose/busybox:local",
  MODEL_COMPOSE_IMAGE: `${PROJECT}-model-compose:test`,
  POSTGRES_IMAGE: `${PROJECT}-postgres:test`,
  REDIS_IMAGE: `${PROJECT}-redis:test`,
};
// An empty env file: a developer's deploy/.env must not change the test.
writeFileSync(envFile, "");

function compose(args: string[], timeoutMs = 300_000) {
  const r = Bun.spawnSync(["docker-compose", "-p", PROJECT, "--env-file", envFile, ...args], {
    cwd: DEPLOY,
    env,
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
  });
  return { code: r.exitCode, stdout: r.stdout.toString().trim(), stderr: r.stderr.toString().trim() };
}

function docker(args: string[]) {
  const r = Bun.spawnSync(["docker", ...args], { stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  return r.stdout.toString().trim();
}

async function until<T>(
  what: string,
  fn: () => T | Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await Bun.sleep(500);
  }
}

/** Every container of the project and its health, by service. */
function healths(): { service: string; id: string; health: string }[] {
  const ids = compose(["ps", "-q"]).stdout.split("\n").filter(Boolean);
  return ids.map((id) => {
    const [service, health] = docker([
      "inspect",
      "-f",
      '{{ index .Config.Labels "com.docker.compose.service" }} {{ if .State.Health }}{{ .State.Health.Status }}{{ else }}{{ .State.Status }}{{ end }}',
      id,
    ]).split(" ");
    return { service, id, health };
  });
}

const allHealthy = (hs: ReturnType<typeof healths>) =>
  hs.length === 5 && hs.every((h) => h.health === "healthy");

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000), ...init });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

function run(body: unknown) {
  return json(`${api}/workflows/runs`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

function psql(query: string): string {
  return compose([
    "exec",
    "-T",
    "postgres",
    "psql",
    "-U",
    "model_compose",
    "-d",
    "model_compose",
    "-tAc",
    query,
  ]).stdout;
}

describe("deploy/docker-compose.yml", () => {
  beforeAll(() => {
    const r = compose(["up", "-d", "--build"], 900_000);
    if (r.code !== 0) throw new Error(`docker-compose up failed:\n${r.stderr}\n${r.stdout}`);
  }, 900_000);

  afterAll(() => {
    compose(["down", "-v", "--rmi", "local"], 300_000);
    for (const image of [env.MODEL_COMPOSE_IMAGE, env.POSTGRES_IMAGE, env.REDIS_IMAGE])
      docker(["rmi", "-f", image]);
  }, 300_000);

  let first: string;

  test("up -d brings all five services to healthy; only the controller's port is published, on 127.0.0.1", async () => {
    const hs = await until("five healthy services", healths, allHealthy, 180_000);
    expect(hs.map((h) => h.service).sort()).toEqual(["controller", "postgres", "redis", "worker", "worker"]);
    const ports = compose(["ps"]).stdout;
    expect(ports).toContain(`127.0.0.1:${port}->8080/tcp`);
    expect(ports.match(/->/g)?.length).toBe(1);
  }, 240_000);

  test("a run through the published port completes on a worker and is in PostgreSQL", async () => {
    const reply = await run({ input: { name: "deploy" } });
    expect(reply.status).toBe(200);
    expect(reply.body.output).toMatch(/^hello deploy from [0-9a-f]{12}$/);
    first = reply.body.task_id;
    expect(psql(`SELECT status FROM tasks WHERE task_id = '${first}'`)).toBe("completed");
    const health = await json(`http://127.0.0.1:${port}/health`);
    expect(health.body).toMatchObject({ status: "ok", queue: { status: "ok" } });
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    expect(metrics).toContain("model_compose_runs_finished_total");
  }, 120_000);

  test("docker-compose restart keeps the runs", async () => {
    expect(compose(["restart"]).code).toBe(0);
    await until("five healthy services", healths, allHealthy, 180_000);
    const task = await json(`${api}/tasks/${first}`);
    expect(task.body).toMatchObject({ task_id: first, status: "completed" });
  }, 240_000);

  test("down, then up without -v, keeps the runs", async () => {
    expect(compose(["down"]).code).toBe(0);
    const up = compose(["up", "-d"]);
    expect(up.code).toBe(0);
    await until("five healthy services", healths, allHealthy, 180_000);
    const task = await json(`${api}/tasks/${first}`);
    expect(task.body).toMatchObject({ task_id: first, status: "completed" });
  }, 300_000);

  test("docker kill of the worker running a run: the run completes on the other worker", async () => {
    const submitted = await run({ workflow_id: "pause", input: { seconds: 6 }, wait_for_completion: false });
    expect(submitted.status).toBe(202);
    const id = submitted.body.task_id;
    const running = await until(
      "the run to be running on a worker",
      async () => (await json(`${api}/tasks/${id}`)).body,
      (t) => t?.status === "running" && Boolean(t.worker),
      60_000,
    );
    const hostname = String(running.worker).split(":")[0];
    const victim = healths().find((h) => h.service === "worker" && h.id.startsWith(hostname));
    expect(victim).toBeDefined();
    docker(["kill", victim!.id]);
    const done = await until(
      "the run to complete",
      async () => (await json(`${api}/tasks/${id}`)).body,
      (t) => t?.status === "completed",
      120_000,
    );
    expect(done.attempts).toBeGreaterThan(1);
    expect(done.output).not.toBe(hostname);
    expect(psql(`SELECT status || ' ' || attempts FROM tasks WHERE task_id = '${id}'`)).toMatch(
      /^completed [2-9]$/,
    );
  }, 240_000);
});
