// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The compiled executable, end to end: built once by scripts/build.ts, then used the way
 * users do (run, a plugin file from disk, threaded `up -d` / `down`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { build } from "../../scripts/build.ts";
import { tempDir } from "../support/files.ts";
import { freePort } from "../support/net.ts";
import { createTestDatabase } from "../support/postgres.ts";

const ROOT = path.resolve(import.meta.dir, "../..");
let bin: string;
const outdir = tempDir("mc-bin-");

beforeAll(async () => {
  const target = `${process.platform === "darwin" ? "darwin" : "linux"}-${process.arch === "arm64" ? "arm64" : "x64"}`;
  [bin] = await build([target as "linux-x64"], outdir, true);
}, 120_000);

function exec(args: string[], cwd = ROOT, env: Record<string, string> = {}) {
  const r = Bun.spawnSync([bin, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe("compiled binary", () => {
  test("--version names the version and the commit, and the checksum file matches", () => {
    const r = exec(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^model-compose \d+\.\d+\.\d+ \([0-9a-f]{7,}\)$/);
    const sum = readFileSync(`${bin}.sha256`, "utf8");
    const digest = new Bun.CryptoHasher("sha256").update(readFileSync(bin)).digest("hex");
    expect(sum).toBe(`${digest}  ${path.basename(bin)}\n`);
  });

  test("runs the timed workflow example", () => {
    const r = exec(["run", "-f", "examples/timed-workflow/model-compose.yml"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.message).toMatch(/^Execution time: \d+ms$/);
    expect(Number(out.message.match(/\d+/)[0])).toBeGreaterThanOrEqual(150);
  });

  test("a job's setsid child ends with the job (the subreaper through bun:ffi works compiled)", () => {
    const dir = tempDir("mc-reaper-");
    const pidFile = path.join(dir, "pid");
    const command = `(setsid sh -c 'echo $$ > ${pidFile}; exec sleep 60' >/dev/null 2>&1 &); while [ ! -s ${pidFile} ]; do sleep 0.01; done; cut -d' ' -f4 /proc/$(cat ${pidFile})/stat`;
    writeFileSync(
      path.join(dir, "model-compose.yml"),
      `workflow:\n  component: shell\n  command: ${JSON.stringify(command)}\n  output: \${stdout.trim()}\n`,
    );
    const r = exec(["run"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // The orphan's parent was the binary itself, not init: it stayed in the job's tree.
    expect(JSON.parse(r.stdout)).not.toBe("1");
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    expect(() => process.kill(pid, 0)).toThrow();
  });

  test("loads a third-party plugin file from disk", () => {
    const r = exec(["run", "-f", "examples/plugins/model-compose.yml", "-i", '{"text":"from the binary"}']);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ text: "FROM THE BINARY", length: 15 });
  });

  test("a broken plugin file is a configuration error naming it", () => {
    const dir = tempDir("mc-badplugin-");
    writeFileSync(path.join(dir, "broken.ts"), "export default {\n");
    writeFileSync(
      path.join(dir, "model-compose.yml"),
      "plugins: [./broken.ts]\nworkflow:\n  component: logger\n",
    );
    const r = exec(["run"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("broken.ts");
    expect(r.stderr).toContain("could not be loaded");
  });

  test("does not load .env from the current directory on its own", () => {
    const cwd = tempDir("mc-cwd-");
    const project = tempDir("mc-proj-");
    writeFileSync(path.join(cwd, ".env"), "GREETING=from-cwd\n");
    writeFileSync(
      path.join(project, "model-compose.yml"),
      'workflow:\n  component: logger\n  input: ${env.GREETING | "unset"}\n',
    );
    const r = exec(["run", "-f", path.join(project, "model-compose.yml")], cwd, { GREETING: "" });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toBe("");
    const r2 = Bun.spawnSync([bin, "run", "-f", path.join(project, "model-compose.yml")], {
      cwd,
      env: { PATH: process.env.PATH ?? "" },
      stdout: "pipe",
    });
    expect(JSON.parse(r2.stdout.toString())).toBe("unset");
  });

  describe("threaded controller in the background", () => {
    const dir = tempDir("mc-up-");
    let port: number;
    afterAll(() => {
      exec(["down"], dir);
    });

    test("up -d serves runs from worker threads, down stops it and cleans up", async () => {
      port = await freePort();
      writeFileSync(
        path.join(dir, "model-compose.yml"),
        [
          "controller:",
          `  port: ${port}`,
          "  threaded: true",
          "workflow:",
          "  component: shell",
          '  command: echo "thread ${input.name}"',
          "  output: ${stdout.trim()}",
        ].join("\n"),
      );
      const up = exec(["up", "-d"], dir);
      expect(up.stderr).toBe("");
      expect(up.code).toBe(0);
      expect(up.stdout).toContain(`http://127.0.0.1:${port}`);
      const state = JSON.parse(readFileSync(path.join(dir, ".model-compose/controller.json"), "utf8"));
      expect(state.pid).toBeGreaterThan(0);
      const res = await fetch(`http://127.0.0.1:${port}/api/workflows/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: { name: "x; id" } }),
      });
      expect(await res.json()).toMatchObject({ status: "completed", output: "thread x; id" });
      // The web page is built in, and a run's events cross the worker thread.
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      const script = /src="([^"]+)"/.exec(page)![1];
      const js = await fetch(`http://127.0.0.1:${port}${script}`);
      expect(js.status).toBe(200);
      expect((await js.text()).length).toBeGreaterThan(10_000);
      const stream = await fetch(`http://127.0.0.1:${port}/api/workflows/runs`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ input: { name: "sse" } }),
      });
      const sse = await stream.text();
      expect(sse).toContain('"type":"log","job_id":"job","stream":"stdout","text":"thread sse"');
      expect(sse.trim().split("\n\n").at(-1)).toContain("event: run.finished");
      const down = exec(["down"], dir);
      expect(down.code).toBe(0);
      expect(down.stdout).toContain(`controller stopped (pid ${state.pid})`);
      expect(existsSync(path.join(dir, ".model-compose/controller.json"))).toBe(false);
      expect(existsSync(path.join(dir, ".stop"))).toBe(false);
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    }, 60_000);
  });

  describe("run queue (Redis through BullMQ)", () => {
    const id = `${process.pid}-${Date.now().toString(36)}`;
    const queue = `{ driver: redis, url: "redis://127.0.0.1:6379", name: bin-${id}, prefix: mcbin-${id} }`;
    const api = tempDir("mc-bin-api-");
    const worker = tempDir("mc-bin-worker-");
    afterAll(async () => {
      exec(["down"], api);
      exec(["down"], worker);
      const { deleteKeys } = await import("../support/redis.ts");
      await deleteKeys("redis://127.0.0.1:6379", `mcbin-${id}`);
    });

    test("an http-server enqueues, a queue-subscriber executes, both from the binary", async () => {
      const workflow = [
        "workflow:",
        "  component: shell",
        '  command: echo "queued ${input.name}"',
        "  output: ${stdout.trim()}",
      ];
      const apiPort = await freePort();
      const workerPort = await freePort();
      writeFileSync(
        path.join(api, "model-compose.yml"),
        ["controller:", `  port: ${apiPort}`, `  queue: ${queue}`, ...workflow].join("\n"),
      );
      writeFileSync(
        path.join(worker, "model-compose.yml"),
        [
          "controller:",
          "  type: queue-subscriber",
          `  port: ${workerPort}`,
          `  queue: ${queue}`,
          ...workflow,
        ].join("\n"),
      );
      for (const dir of [api, worker]) {
        const up = exec(["up", "-d"], dir);
        expect(up.stderr).toBe("");
        expect(up.code).toBe(0);
      }
      const res = await fetch(`http://127.0.0.1:${apiPort}/api/workflows/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: { name: "binary" } }),
      });
      expect(await res.json()).toMatchObject({ status: "completed", output: "queued binary" });
      const health = await (await fetch(`http://127.0.0.1:${workerPort}/health`)).json();
      expect(health).toMatchObject({ status: "ok", type: "queue-subscriber" });
    }, 60_000);
  });

  describe("run store", () => {
    for (const driver of ["sqlite", "postgres"] as const) {
      test(`up -d records runs in ${driver} from the binary; runs lists them`, async () => {
        const db = driver === "postgres" ? await createTestDatabase("mc_bin") : undefined;
        const dir = tempDir("mc-bin-store-");
        const port = freePort();
        const store = db ? `{driver: postgres, url: "${db.url}"}` : "sqlite";
        writeFileSync(
          path.join(dir, "model-compose.yml"),
          `controller:\n  port: ${port}\n  store: ${store}\nworkflow:\n  component: shell\n  command: [printf, "%s", "\${input.t}"]\n`,
        );
        try {
          expect(exec(["up", "-d"], dir).code).toBe(0);
          const reply = await fetch(`http://127.0.0.1:${port}/api/workflows/runs`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ input: { t: driver } }),
          });
          const body = (await reply.json()) as { task_id: string; output: string };
          expect(body.output).toBe(driver);
          const runs = exec(["runs", "--json"], dir);
          expect(runs.code).toBe(0);
          expect(JSON.parse(runs.stdout).tasks[0]).toMatchObject({
            task_id: body.task_id,
            status: "completed",
          });
        } finally {
          exec(["down"], dir);
          await db?.drop();
        }
      }, 90_000);
    }
  });
});
