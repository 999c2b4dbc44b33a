// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Helpers for the queue's end-to-end tests: projects for a controller and its workers
 * on the shared Redis (each test its own queue name and key prefix, removed after),
 * a private redis-server for tests that stop Redis, and a shell job that leaves one
 * line per execution in a file so runs can be counted by their side effect.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import IORedis from "ioredis";
import { type Foreground, makeProject, type TestProject, upForeground } from "../controller/helpers.ts";
import { freePort } from "../support/net.ts";
import { deleteKeys } from "../support/redis.ts";

export const SHARED_REDIS = "redis://127.0.0.1:6379";

/** A queue of its own for one test: name and key prefix nobody else uses. */
export function uniqueQueue(url = SHARED_REDIS): {
  driver: "redis";
  url: string;
  name: string;
  prefix: string;
} {
  const id = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  return { driver: "redis", url, name: `test-${id}`, prefix: `mctest-${id}` };
}

/**
 * One shell job that appends `<task id> <pid>` to `sideEffects`, then sleeps. Each
 * execution of a run leaves exactly one line, so a run executed twice shows twice.
 */
export function countingWorkflow(sideEffects: string, sleepSeconds = 0.05) {
  return {
    components: [
      {
        id: "work",
        type: "shell",
        command: ["sh", "-c", `echo "$RUN $$" >> "$OUT"; sleep ${sleepSeconds}; echo done`],
        env: { RUN: "${context.run_id}", OUT: sideEffects },
        output: "${stdout.trim()}",
      },
    ],
    workflow: { jobs: [{ id: "work", component: "work" }] },
  };
}

/** Lines per task id in a side-effect file. */
export function countLines(lines: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const id = line.split(" ")[0];
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** A redis-server of this test's own, on a free port, that the test may stop and start. */
export class PrivateRedis {
  readonly port = freePort();
  readonly url = `redis://127.0.0.1:${this.port}`;
  private readonly dir = mkdtempSync(path.join(tmpdir(), "mc-redis-"));
  private pid: number | undefined;

  async start(): Promise<void> {
    const child = spawn(
      "redis-server",
      // Every write on disk before it is acknowledged: a restart keeps what was accepted.
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(this.port),
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--dir",
        this.dir,
      ],
      { stdio: "ignore", detached: false },
    );
    this.pid = child.pid;
    const redis = new IORedis(this.url, {
      maxRetriesPerRequest: 1,
      lazyConnect: true,
      retryStrategy: () => 100,
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await redis.connect().catch(() => {});
        if ((await redis.ping()) === "PONG") break;
      } catch {}
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer`);
      await Bun.sleep(100);
    }
    redis.disconnect();
  }

  /** Stops it as an operator would (SIGTERM); its append-only file keeps the data. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.pid === undefined) return;
    const pid = this.pid;
    this.pid = undefined;
    try {
      process.kill(pid, signal);
    } catch {}
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await Bun.sleep(50);
    }
  }

  async dispose(): Promise<void> {
    await this.stop("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Cluster {
  queue: ReturnType<typeof uniqueQueue> & Record<string, unknown>;
  controller: Foreground;
  workers: Foreground[];
  /** The controller's project (api, url). */
  api: TestProject;
  sideEffects: string;
  /** Starts one more worker of this cluster. */
  addWorker(extra?: Record<string, unknown>): Promise<Foreground>;
}

export interface ClusterOptions {
  workers?: number;
  /** Keys added to the http-server's controller section. */
  controller?: Record<string, unknown>;
  /** Keys added to each worker's controller section. */
  worker?: Record<string, unknown>;
  sleepSeconds?: number;
  redisUrl?: string;
  /** Fields added to controller.queue (stall_timeout, ...). */
  queue?: Record<string, unknown>;
  /** The document's workflows/components instead of the counting one. */
  doc?: (dir: string) => Record<string, unknown>;
}

/** An http-server with a queue and `workers` queue-subscribers, each a real `up` process. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const queue = { ...uniqueQueue(options.redisUrl), ...options.queue };
  const effectsDir = mkdtempSync(path.join(tmpdir(), "mc-queue-effects-"));
  const sideEffects = path.join(effectsDir, "runs.log");
  const doc = options.doc?.(effectsDir) ?? countingWorkflow(sideEffects, options.sleepSeconds);
  const api = makeProject({ ...doc, controller: { type: "http-server", queue, ...options.controller } });
  const controller = await upForeground(api);
  const workers: Foreground[] = [];
  const addWorker = async (extra: Record<string, unknown> = {}) => {
    const project = makeProject({
      ...doc,
      controller: { type: "queue-subscriber", queue, ...options.worker, ...extra },
    });
    const worker = await upForeground(project);
    workers.push(worker);
    return worker;
  };
  for (let i = 0; i < (options.workers ?? 1); i++) await addWorker();
  clusters.push({ queue, dir: effectsDir });
  return { queue, controller, workers, api, sideEffects, addWorker };
}

const clusters: { queue: ReturnType<typeof uniqueQueue>; dir: string }[] = [];

/** Removes the clusters' Redis keys and side-effect files (their processes: cleanup()). */
export async function dropClusters(): Promise<void> {
  for (const { queue, dir } of clusters.splice(0)) {
    await deleteKeys(queue.url, queue.prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}
