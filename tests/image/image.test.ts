// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The project's own Dockerfile, built for real with locally made base images (no
 * registry is reachable here): size, non-root user, health check, a workflow run
 * through a port published on 127.0.0.1, graceful stop.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { tempDir } from "../support/files.ts";
import { freePort } from "../support/net.ts";

const ROOT = path.resolve(import.meta.dir, "../..");
const TAG = `model-compose:image-test-${process.pid}`;
const NAME = `mc-image-test-${process.pid}`;

function docker(args: string[], timeoutMs = 600_000) {
  const r = Bun.spawnSync(["docker", ...args], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
  });
  return { code: r.exitCode, stdout: r.stdout.toString().trim(), stderr: r.stderr.toString().trim() };
}

async function until<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!ok(last) && Date.now() < deadline) {
    await Bun.sleep(250);
    last = await fn();
  }
  return last;
}

describe("project Dockerfile", () => {
  let port: number;
  beforeAll(() => {
    const r = docker([
      "build",
      "--force-rm",
      "-t",
      TAG,
      "--build-arg",
      "BUILDER_IMAGE=model-compose/bun-builder:local",
      "--build-arg",
      "RUNTIME_IMAGE=model-compose/busybox:local",
      "--build-arg",
      "MODEL_COMPOSE_COMMIT=imagetest",
      ".",
    ]);
    if (r.code !== 0) throw new Error(`docker build failed:\n${r.stderr}\n${r.stdout}`);
  }, 600_000);

  afterAll(() => {
    docker(["rm", "-f", "-v", NAME]);
    docker(["rmi", "-f", TAG]);
  });

  test("is small and holds only the executable", () => {
    const size = Number(docker(["image", "inspect", "-f", "{{.Size}}", TAG]).stdout);
    console.log(`image size: ${(size / 1e6).toFixed(1)} MB`);
    expect(size).toBeLessThan(200e6);
    const config = JSON.parse(docker(["image", "inspect", "-f", "{{json .Config}}", TAG]).stdout);
    expect(config.User).toBe("10001:10001");
    expect(config.Healthcheck.Test).toEqual(["CMD", "/usr/local/bin/model-compose", "health"]);
    expect(config.Cmd).toEqual(["up"]);
    const version = docker(["run", "--rm", TAG, "--version"]);
    expect(version.stdout).toBe("model-compose 0.1.0 (imagetest)");
    // The build context kept dependencies and VCS out, and nothing but the binary came along.
    const files = docker([
      "run",
      "--rm",
      "--entrypoint",
      "/bin/sh",
      TAG,
      "-c",
      "ls -A /app; ls /usr/local/bin",
    ]).stdout;
    expect(files.split("\n")).toContain("model-compose");
    expect(files).not.toContain("node_modules");
  });

  test("serves a workflow on a published port, becomes healthy, stops gracefully", async () => {
    port = await freePort();
    const dir = tempDir("mc-image-");
    chmodSync(dir, 0o755);
    writeFileSync(
      path.join(dir, "model-compose.yml"),
      'controller:\n  host: 0.0.0.0\n  port: 8080\nworkflow:\n  component: shell\n  command: echo "hi ${input.name}"\n  output: ${stdout.trim()}\n',
    );
    const run = docker([
      "run",
      "-d",
      "--name",
      NAME,
      "-p",
      `127.0.0.1:${port}:8080`,
      "-v",
      `${dir}:/app:ro`,
      TAG,
    ]);
    expect(run.code).toBe(0);
    const health = await until(
      () =>
        fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
      30_000,
    );
    expect(health).toBe(200);
    const res = await fetch(`http://127.0.0.1:${port}/api/workflows/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: { name: "image; id" } }),
    });
    expect(await res.json()).toMatchObject({ status: "completed", output: "hi image; id" });
    const whoami = docker(["exec", NAME, "/bin/sh", "-c", "id -u"]);
    expect(whoami.stdout).toBe("10001");
    // The compose file is mounted read-only: the run store lives in the /data volume.
    expect(docker(["exec", NAME, "ls", "/data"]).stdout.split("\n")).toContain("runs.db");
    const history = (await fetch(`http://127.0.0.1:${port}/api/tasks`).then((r) => r.json())) as {
      tasks: { status: string }[];
    };
    expect(history.tasks.map((t) => t.status)).toEqual(["completed"]);
    const status = await until(
      () => docker(["inspect", "-f", "{{.State.Health.Status}}", NAME]).stdout,
      (s) => s === "healthy",
      40_000,
    );
    expect(status).toBe("healthy");
    expect(docker(["stop", "-t", "20", NAME]).code).toBe(0);
    expect(docker(["inspect", "-f", "{{.State.ExitCode}}", NAME]).stdout).toBe("0");
  }, 90_000);
});
