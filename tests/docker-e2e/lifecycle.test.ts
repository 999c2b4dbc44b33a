/**
 * The docker runtime's lifecycle with default options (the auto-built image from the
 * default Dockerfile, on model-compose/busybox:local): a non-root container, no secret
 * from `.env` in any image layer, rebuilds only when something changed, stop/start,
 * foreground `up` until Ctrl+C, `down`, and an unreachable daemon.
 *
 * One project directory and one image serve the whole file; tests run in order.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  BASE_IMAGE,
  Cleanup,
  compiledBinary,
  docker,
  freeContainerPort,
  healthOf,
  inspect,
  mc,
  mcSpawn,
  PROJECT_DIR_LABEL,
  projectContainers,
  releaseBinary,
  runWorkflow,
  show,
  uniqueSuffix,
  waitFor,
} from "./helpers.ts";

const TIMEOUT = 180_000;
const suffix = uniqueSuffix();
const cleanup = new Cleanup();
const secret = `s3cr3t-${suffix}-${crypto.randomUUID()}`;
/** A network the compose file names and nobody created: `up` creates it, `down` removes it. */
const autoNetwork = cleanup.network(`mc-e2e-auto-${suffix}`);

let dir: string;
let port: number;
let image: string;

function compose(extra: { title?: string; buildArgs?: Record<string, string> } = {}): string {
  const args = { BASE_IMAGE, ...(extra.buildArgs ?? {}) };
  return `controller:
  port: ${port}
  runtime:
    type: docker
    ports: ["127.0.0.1:${port}:${port}"]
    networks: [${autoNetwork}]
    build:
      args:
${Object.entries(args)
  .map(([k, value]) => `        ${k}: "${value}"`)
  .join("\n")}
workflow:
  title: ${extra.title ?? "Secret check"}
  component:
    type: shell
    command: ["sh", "-c", "echo token=\${env.SECRET_TOKEN}; id -u"]
    output: \${stdout}
`;
}

function containerName(): string {
  const names = projectContainers(dir);
  expect(names.length, `containers of ${dir}: ${names.join(", ")}`).toBe(1);
  return names[0];
}

/** Every file under `root`, recursively. */
function walk(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const p = path.join(root, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

beforeAll(async () => {
  expect(docker(["info", "--format", "{{.ServerVersion}}"]).code).toBe(0);
  await compiledBinary();
  dir = cleanup.project(mkdtempSync(path.join(tmpdir(), `mc-e2e-life-${suffix}-`)));
  port = await freeContainerPort();
  writeFileSync(path.join(dir, "model-compose.yml"), compose());
  writeFileSync(path.join(dir, ".env"), `SECRET_TOKEN=${secret}\n`);
}, TIMEOUT);

afterAll(async () => {
  if (dir) await mc(["down"], { cwd: dir }).catch(() => undefined);
  cleanup.run();
  await releaseBinary();
}, TIMEOUT);

describe("docker runtime lifecycle", () => {
  test(
    "`up -d` builds the image, creates the missing network, starts a healthy container",
    async () => {
      const r = await mc(["up", "-d"], { cwd: dir });
      expect(r.code, show(r)).toBe(0);
      const built = /building (\S+) from /.exec(r.stderr);
      expect(built, r.stderr).not.toBeNull();
      image = cleanup.image(built![1]);
      const name = containerName();
      expect(r.stdout).toContain(`container ${name} is running (127.0.0.1:${port} -> ${port}/tcp)`);
      expect(healthOf(name)).toBe("healthy");
      const net = inspect("network", autoNetwork);
      expect(net?.Labels?.[PROJECT_DIR_LABEL]).toBe(dir);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(await health.json()).toMatchObject({ status: "ok" });
    },
    TIMEOUT,
  );

  test(
    "without a `user` option the container runs as a non-root user",
    async () => {
      const name = containerName();
      // The user comes from the default Dockerfile (`USER 10001:10001`).
      expect(inspect("image", image).Config.User).toBe("10001:10001");
      expect(inspect("container", name).Config.User).toBe("10001:10001");
      const id = docker(["exec", name, "id", "-u"]);
      expect(id.code, id.stderr).toBe(0);
      expect(id.stdout).not.toBe("0");
      expect(id.stdout).toBe("10001");
      const { body } = await runWorkflow(port);
      expect(String(body.output).split("\n")[1]).toBe("10001");
    },
    TIMEOUT,
  );

  test(
    "a secret from .env reaches the run through the container's environment, never an image layer",
    async () => {
      const name = containerName();
      const { status, body } = await runWorkflow(port);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(String(body.output).split("\n")[0]).toBe(`token=${secret}`);
      expect(inspect("container", name).Config.Env).toContain(`SECRET_TOKEN=${secret}`);

      // Every layer and every piece of metadata of the image.
      const work = cleanup.dir(mkdtempSync(path.join(tmpdir(), `mc-e2e-save-${suffix}-`)));
      const tar = path.join(work, "image.tar");
      const saved = docker(["save", "-o", tar, image], 300_000);
      expect(saved.code, saved.stderr).toBe(0);
      const extracted = path.join(work, "x");
      const untar = Bun.spawnSync([
        "sh",
        "-c",
        `mkdir -p "${extracted}" && tar -xf "${tar}" -C "${extracted}"`,
      ]);
      expect(untar.exitCode).toBe(0);
      const needle = Buffer.from(secret);
      // The staged compose file (with the binding left unresolved) is in a layer: the scan
      // reads layer contents, so finding the binding's text proves it looks where the secret would be.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: binding source text, not a JS template
      const control = Buffer.from("token=${env.SECRET_TOKEN}");
      let layers = 0;
      let controlFound = false;
      const scan = (data: Buffer, where: string) => {
        expect(data.includes(needle), `the secret is in ${where}`).toBe(false);
        if (data.includes(control)) controlFound = true;
        // Layers may be stored gzip-compressed: look inside them too.
        if (data.length > 2 && data[0] === 0x1f && data[1] === 0x8b) {
          scan(gunzipSync(data), `${where} (gunzipped)`);
        }
      };
      for (const file of walk(extracted)) {
        const data = readFileSync(file);
        if (data.length > 512 && data.subarray(257, 262).toString() === "ustar") layers++;
        scan(data, path.relative(extracted, file));
      }
      expect(layers).toBeGreaterThan(0);
      expect(controlFound).toBe(true);
      const history = docker(["history", "--no-trunc", "--format", "{{.CreatedBy}}", image]);
      expect(history.code).toBe(0);
      expect(history.stdout).not.toContain(secret);
      expect(history.stdout).toContain("/usr/local/bin/model-compose");
      const meta = docker(["image", "inspect", image]);
      expect(meta.stdout).not.toContain(secret);
      // Nor in the build context model-compose staged.
      for (const file of walk(path.join(dir, ".docker"))) {
        expect(readFileSync(file).includes(needle), `the secret is in ${file}`).toBe(false);
      }
    },
    TIMEOUT,
  );

  test(
    "a second `up -d` without changes builds nothing; a changed compose file or build arg rebuilds",
    async () => {
      const name = containerName();
      const containerBefore = inspect("container", name).Id;
      const again = await mc(["up", "-d"], { cwd: dir });
      expect(again.code, show(again)).toBe(0);
      expect(again.stderr).toContain(`image ${image} is up to date`);
      expect(again.stderr).not.toContain("building");
      expect(again.stderr).not.toContain("Step 1/");
      // Nor is the container replaced: same image, same settings (as `docker compose up`).
      expect(again.stderr).toContain(`container ${name} is up to date`);
      expect(inspect("container", name).Id).toBe(containerBefore);
      const before = inspect("image", image).Id;

      writeFileSync(path.join(dir, "model-compose.yml"), compose({ title: "Secret check, retitled" }));
      const changed = await mc(["up", "-d"], { cwd: dir });
      expect(changed.code, show(changed)).toBe(0);
      expect(changed.stderr).toContain(`building ${image}`);
      // A new image means a new container.
      expect(changed.stderr).toContain(`replacing container ${name}`);
      expect(inspect("container", containerName()).Id).not.toBe(containerBefore);
      const afterCompose = inspect("image", image).Id;
      expect(afterCompose).not.toBe(before);
      const baked = docker(["exec", containerName(), "cat", "/app/model-compose.yml"]);
      expect(baked.stdout).toContain("Secret check, retitled");

      // A build arg is part of what the image is made of, too.
      writeFileSync(
        path.join(dir, "model-compose.yml"),
        compose({ title: "Secret check, retitled", buildArgs: { CONTROLLER_PORT: String(port + 0) } }),
      );
      const sameArgValue = await mc(["up", "-d"], { cwd: dir });
      expect(sameArgValue.code, show(sameArgValue)).toBe(0);
      // CONTROLLER_PORT is what the runtime passes anyway: nothing changed.
      expect(sameArgValue.stderr).toContain(`image ${image} is up to date`);
      writeFileSync(
        path.join(dir, "model-compose.yml"),
        compose({ title: "Secret check, retitled", buildArgs: { MC_DIR: "./" } }),
      );
      const newArg = await mc(["up", "-d"], { cwd: dir });
      expect(newArg.code, show(newArg)).toBe(0);
      expect(newArg.stderr).toContain(`building ${image}`);
      expect(inspect("image", image).Id).not.toBe(afterCompose);
      const { body } = await runWorkflow(port);
      expect(String(body.output)).toContain(`token=${secret}`);
    },
    TIMEOUT,
  );

  test(
    "`up -d --force-recreate` replaces an up-to-date container; changed variables replace it too",
    async () => {
      const name = containerName();
      const first = inspect("container", name).Id;
      const forced = await mc(["up", "-d", "--force-recreate"], { cwd: dir });
      expect(forced.code, show(forced)).toBe(0);
      expect(forced.stderr).toContain(`image ${image} is up to date`);
      expect(forced.stderr).toContain(`replacing container ${name}`);
      const second = inspect("container", containerName()).Id;
      expect(second).not.toBe(first);

      // The container's environment is part of its settings: a new -e value recreates it.
      const withVar = await mc(["-e", `EXTRA_${suffix}=1`, "up", "-d"], { cwd: dir });
      expect(withVar.code, show(withVar)).toBe(0);
      expect(withVar.stderr).toContain("replacing container");
      const third = inspect("container", containerName()).Id;
      expect(third).not.toBe(second);
      expect(inspect("container", containerName()).Config.Env).toContain(`EXTRA_${suffix}=1`);
      const same = await mc(["-e", `EXTRA_${suffix}=1`, "up", "-d"], { cwd: dir });
      expect(same.code, show(same)).toBe(0);
      expect(same.stderr).toContain("is up to date");
      expect(inspect("container", containerName()).Id).toBe(third);
    },
    TIMEOUT,
  );

  test(
    "a base image rebuilt under the same tag rebuilds the project's image",
    async () => {
      const base = cleanup.image(`mc-e2e-base-${suffix}:local`);
      const work = cleanup.dir(mkdtempSync(path.join(tmpdir(), `mc-e2e-base-${suffix}-`)));
      const makeBase = (label: string) => {
        writeFileSync(path.join(work, "Dockerfile"), `FROM ${BASE_IMAGE}\nLABEL mc.e2e.base="${label}"\n`);
        const r = docker(["build", "-q", "-t", base, work], 120_000);
        expect(r.code, r.stderr).toBe(0);
        return inspect("image", base).Id as string;
      };
      const firstBase = makeBase("one");
      const title = "Secret check, retitled";
      writeFileSync(path.join(dir, "model-compose.yml"), compose({ title, buildArgs: { BASE_IMAGE: base } }));
      const built = await mc(["up", "-d"], { cwd: dir });
      expect(built.code, show(built)).toBe(0);
      expect(built.stderr).toContain(`building ${image}`);
      const unchanged = await mc(["up", "-d"], { cwd: dir });
      expect(unchanged.stderr).toContain(`image ${image} is up to date`);

      expect(makeBase("two")).not.toBe(firstBase);
      const rebuilt = await mc(["up", "-d"], { cwd: dir });
      expect(rebuilt.code, show(rebuilt)).toBe(0);
      expect(rebuilt.stderr).toContain(`building ${image}`);
      expect(rebuilt.stderr).toContain("replacing container");
      expect(inspect("image", image).Config.Labels["mc.e2e.base"]).toBe("two");
      const { status } = await runWorkflow(port);
      expect(status).toBe(200);
    },
    TIMEOUT,
  );

  test(
    "`stop` keeps the container (exited); `start` starts it again and returns once it is healthy",
    async () => {
      const name = containerName();
      const stop = await mc(["stop"], { cwd: dir });
      expect(stop.code, show(stop)).toBe(0);
      expect(stop.stdout).toContain(`container ${name} stopped`);
      expect(inspect("container", name).State.Status).toBe("exited");
      expect(projectContainers(dir)).toEqual([name]);

      const start = await mc(["start"], { cwd: dir });
      expect(start.code, show(start)).toBe(0);
      expect(start.stdout).toContain(`container ${name} started`);
      expect(healthOf(name)).toBe("healthy");
      const { status } = await runWorkflow(port);
      expect(status).toBe(200);
    },
    TIMEOUT,
  );

  test(
    "`down` removes the container and the network `up` created",
    async () => {
      const name = containerName();
      const r = await mc(["down"], { cwd: dir });
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toContain(`container ${name} stopped and removed`);
      expect(r.stdout).toContain(`network ${autoNetwork} removed`);
      expect(docker(["ps", "-a", "--format", "{{.Names}}"]).stdout.split("\n")).not.toContain(name);
      expect(inspect("network", autoNetwork)).toBeUndefined();
      const again = await mc(["down"], { cwd: dir });
      expect(again.code, show(again)).toBe(0);
      expect(again.stdout).toContain("no container for this project");
    },
    TIMEOUT,
  );

  test(
    "foreground `up` streams the container's logs until SIGINT, then stops it and exits 0",
    async () => {
      const proc = await mcSpawn(["up"], { cwd: dir });
      let stdout = "";
      let stderr = "";
      const pump = async (stream: ReadableStream<Uint8Array>, sink: (s: string) => void) => {
        const decoder = new TextDecoder();
        for await (const chunk of stream) sink(decoder.decode(chunk, { stream: true }));
      };
      const pumps = Promise.all([
        pump(proc.stdout, (s) => {
          stdout += s;
        }),
        pump(proc.stderr, (s) => {
          stderr += s;
        }),
      ]);
      try {
        // The controller's own log line, streamed from the container.
        await waitFor("the controller's log line", () =>
          /controller listening/.test(stdout + stderr) ? true : undefined,
        );
        expect(stderr).toContain("Ctrl+C stops it");
        const name = containerName();
        const { status, body } = await runWorkflow(port);
        expect(status, JSON.stringify(body)).toBe(200);
        expect(proc.exitCode).toBeNull();

        proc.kill("SIGINT");
        const code = await Promise.race([proc.exited, Bun.sleep(60_000).then(() => "timeout")]);
        await pumps;
        expect(code, `${stdout}\n${stderr}`).toBe(0);
        expect(stderr).toContain("stopping the container");
        // The controller's graceful shutdown, still streamed.
        expect(stdout + stderr).toMatch(/shutting down|controller stopped/);
        const state = inspect("container", name).State;
        expect(state.Status).toBe("exited");
        expect(state.ExitCode).toBe(0);
      } finally {
        if (proc.exitCode === null) proc.kill("SIGKILL");
      }
      const down = await mc(["down"], { cwd: dir });
      expect(down.code, show(down)).toBe(0);
      expect(projectContainers(dir)).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    "an unreachable daemon: a clear error naming the socket and how to check, exit code 1",
    async () => {
      // Exit 1, not 2: the compose file is fine; the environment failed (as the docker CLI exits 1).
      const socket = `/tmp/nope-${suffix}.sock`;
      for (const command of [["up", "-d"], ["down"], ["stop"], ["start"]]) {
        const r = await mc(command, { cwd: dir, env: { DOCKER_HOST: `unix://${socket}` } });
        expect(r.code, show(r)).toBe(1);
        expect(r.stderr).toContain(`cannot connect to the Docker daemon at unix://${socket} (DOCKER_HOST)`);
        expect(r.stderr).toContain("docker info");
        expect(r.stderr).toContain("dockerd is running");
        expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace without --verbose
      }
    },
    TIMEOUT,
  );
});
