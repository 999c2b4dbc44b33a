/**
 * Runs against a real Docker daemon (scripts/ci/setup.sh starts one and builds the local
 * base images). Nothing is pulled from a registry; ports are published on 127.0.0.1 only.
 * Every container, volume, network and image made here carries a random suffix and is
 * removed afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type Dockerode from "dockerode";
import * as v from "valibot";
import {
  buildSpec,
  containerSpec,
  PROJECT_DIR_LABEL,
  PROJECT_LABEL,
  projectLabels,
} from "../../plugins/runtimes/docker/container-spec.ts";
import { DockerEngine } from "../../plugins/runtimes/docker/engine.ts";
import { DockerRuntimeOptionsSchema } from "../../plugins/runtimes/docker/options.ts";

const BASE_IMAGE = "model-compose/busybox:local";
const suffix = Math.random().toString(36).slice(2, 10);
const TEST_LABEL = "com.model-compose.test-run";
const projectName = `mc-engine-test-${suffix}`;

const engine = new DockerEngine();
let workDir: string;
let projectDir: string;
const images: string[] = [];
const volumes: string[] = [];
const networks: string[] = [];

function options(fields: Record<string, unknown>) {
  return v.parse(DockerRuntimeOptionsSchema, { type: "docker", ...fields });
}

/** A container spec for the test project, labelled for cleanup. */
function specFor(fields: Record<string, unknown>, image = BASE_IMAGE) {
  const { create, extraNetworks } = containerSpec(options(fields), {
    projectDir,
    projectName,
    controllerPort: 8080,
    image,
    labels: { [TEST_LABEL]: suffix },
  });
  return { create, extraNetworks };
}

async function collectLogs(container: Dockerode.Container) {
  const lines: Array<[string, string]> = [];
  await engine.logs(container, false, (line, stream) => lines.push([stream, line]));
  return lines;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}

beforeAll(async () => {
  await engine.connect();
  expect(await engine.inspectImage(BASE_IMAGE)).toBeDefined();
  workDir = mkdtempSync(path.join(tmpdir(), "mc-engine-"));
  projectDir = path.join(workDir, "project");
  mkdirSync(projectDir);
});

afterAll(async () => {
  const leftovers = await engine.docker.listContainers({
    all: true,
    filters: { label: [`${TEST_LABEL}=${suffix}`] },
  });
  for (const c of leftovers) await engine.remove(c.Id, true);
  for (const name of volumes)
    await engine.docker
      .getVolume(name)
      .remove()
      .catch(() => {});
  for (const name of networks)
    await engine.docker
      .getNetwork(name)
      .remove()
      .catch(() => {});
  for (const image of images)
    await engine.docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => {});
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("connect", () => {
  test("reaches the daemon", async () => {
    await engine.connect();
  });

  test("an unreachable socket: the error names it and says how to check", async () => {
    const socket = `/tmp/nope-${suffix}.sock`;
    const bogus = new DockerEngine({ dockerHost: `unix://${socket}` });
    const error = await bogus.connect().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`cannot connect to the Docker daemon at unix://${socket} (DOCKER_HOST)`);
    expect(message).toContain("docker info");
    expect(message).toContain("dockerd is running");
    expect(message).toContain(`permissions on ${socket}`);
    expect(message).toMatch(/ENOENT|no such file/i);
  });

  test("DOCKER_HOST from the environment is honoured", async () => {
    const bogus = new DockerEngine({ env: { DOCKER_HOST: "tcp://127.0.0.1:1" }, pingTimeoutMs: 5000 });
    expect(bogus.connection.description).toBe("tcp://127.0.0.1:1");
    await expect(bogus.connect()).rejects.toThrow(
      /cannot connect to the Docker daemon at tcp:\/\/127\.0\.0\.1:1 \(DOCKER_HOST\): .*docker info.*check DOCKER_HOST/,
    );
  });
});

describe("pull", () => {
  test("an unreachable registry fails with a clear error", async () => {
    const progress: string[] = [];
    await expect(
      engine.pull("127.0.0.1:1/none/such:tag", undefined, (l) => progress.push(l)),
    ).rejects.toThrow(/^cannot pull 127\.0\.0\.1:1\/none\/such:tag: .*(connection refused|connect)/);
  });

  test("credentials are sent without breaking the request", async () => {
    await expect(
      engine.pull("127.0.0.1:1/none/such", { username: "u", password: "p", serveraddress: "127.0.0.1:1" }),
    ).rejects.toThrow(/^cannot pull 127\.0\.0\.1:1\/none\/such:latest: /);
  });
});

describe("build", () => {
  test("builds a context with the options from buildSpec", async () => {
    const context = path.join(projectDir, "image");
    mkdirSync(path.join(context, "sub", "dir"), { recursive: true });
    mkdirSync(path.join(context, "empty"));
    writeFileSync(path.join(context, "hello.txt"), "hello from the context\n");
    writeFileSync(path.join(context, "sub", "dir", "nested.txt"), "nested\n");
    writeFileSync(path.join(context, "secret.txt"), "must not be sent\n");
    writeFileSync(path.join(context, ".dockerignore"), "secret.txt\n");
    mkdirSync(path.join(context, "docker"));
    writeFileSync(
      path.join(context, "docker", "Dockerfile.test"),
      `FROM ${BASE_IMAGE} AS base
ARG GREETING=unset
COPY . /ctx
RUN test -f /ctx/hello.txt && test -f /ctx/sub/dir/nested.txt && test -d /ctx/empty && test ! -e /ctx/secret.txt
RUN echo "greeting=$GREETING" > /greeting.txt

FROM base AS final
RUN echo "final stage" > /stage.txt

FROM base AS other
RUN echo "other stage" > /stage.txt
`,
    );
    const tag = `model-compose/engine-test-${suffix}:built`;
    images.push(tag);
    const spec = buildSpec(
      options({
        build: {
          context: "./image",
          dockerfile: "docker/Dockerfile.test",
          args: { GREETING: "hi there" },
          target: "final",
          labels: { "org.example.built-by": "engine-test" },
          pull: false,
        },
      }),
      { projectDir, image: tag, labels: projectLabels(projectName, projectDir) },
    );
    expect(spec).toBeDefined();
    const progress: string[] = [];
    const id = await engine.build(spec!.context, spec!.options, (line) => progress.push(line));
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(progress.some((l) => /^Step 1\/\d+ : FROM model-compose\/busybox:local/.test(l))).toBe(true);
    expect(progress.some((l) => /Successfully tagged/.test(l))).toBe(true);

    const info = await engine.docker.getImage(tag).inspect();
    expect(info.Id).toBe(id);
    expect(info.Config.Labels).toMatchObject({
      "org.example.built-by": "engine-test",
      [PROJECT_LABEL]: projectName,
      [PROJECT_DIR_LABEL]: projectDir,
    });

    // The built image runs: target stage "final", the build arg baked in.
    const { create } = specFor(
      { command: ["/bin/sh", "-c", "cat /greeting.txt /stage.txt"], ports: [], restart: "no" },
      tag,
    );
    const container = await engine.createAndStart(create);
    await waitFor("the container to exit", async () =>
      (await container.inspect()).State.Status === "exited" ? true : undefined,
    );
    const lines = (await collectLogs(container)).map(([, l]) => l);
    expect(lines).toEqual(["greeting=hi there", "final stage"]);
    await engine.remove(container);
  }, 120_000);

  test("a failing step rejects with the build's error", async () => {
    const context = path.join(workDir, "failing");
    mkdirSync(context);
    writeFileSync(path.join(context, "Dockerfile"), `FROM ${BASE_IMAGE}\nRUN echo about to fail && exit 3\n`);
    const tag = `model-compose/engine-test-${suffix}:failing`;
    images.push(tag);
    const progress: string[] = [];
    await expect(
      engine.build(context, { t: tag, rm: true, forcerm: true }, (l) => progress.push(l)),
    ).rejects.toThrow(
      /^cannot build image model-compose\/engine-test-\w+:failing: .*returned a non-zero code: 3/,
    );
    expect(progress).toContain("about to fail");
  }, 60_000);

  test("a missing base image rejects without reaching a registry", async () => {
    const context = path.join(workDir, "missing-base");
    mkdirSync(context);
    writeFileSync(path.join(context, "Dockerfile"), "FROM 127.0.0.1:1/none/such:tag\n");
    await expect(engine.build(context, { t: `model-compose/engine-test-${suffix}:nobase` })).rejects.toThrow(
      /^cannot build image .*: /,
    );
  }, 60_000);
});

describe("a container with many options", () => {
  let container: Dockerode.Container;
  let hostDir: string;
  const name = `mc-engine-test-${suffix}`;
  const volume = `mc-engine-test-vol-${suffix}`;
  const front = `mc-engine-test-front-${suffix}`;
  const back = `mc-engine-test-back-${suffix}`;

  beforeAll(async () => {
    hostDir = path.join(projectDir, "host-data");
    mkdirSync(hostDir);
    writeFileSync(path.join(hostDir, "file.txt"), "from the host\n");
    writeFileSync(path.join(projectDir, "controller.env"), "FROM_FILE=env-file\nGREETING=overridden\n");
    volumes.push(volume);
    networks.push(front, back);
    await engine.ensureNetworks([front, back], { [TEST_LABEL]: suffix });
    await engine.ensureNetworks([front]); // exists already: no error
  });

  test("create and start", async () => {
    const { create, extraNetworks } = specFor({
      container_name: name,
      hostname: "mc-controller",
      user: "10001",
      working_dir: "/tmp",
      command: [
        "/bin/sh",
        "-c",
        [
          "echo uid=$(id -u) host=$(hostname) pwd=$(pwd)",
          "echo scratch=$(stat -c %a /scratch)",
          "echo host-file=$(cat /host-data/file.txt)",
          "echo env=$GREETING/$NUM/$FROM_FILE",
          "echo to-stderr >&2",
          "trap 'echo stopping; exit 0' TERM",
          "i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done",
        ].join("; "),
      ],
      mem_limit: "64m",
      memswap_limit: "128m",
      cpus: "0.5",
      cpu_shares: 512,
      restart: "on-failure:2",
      healthcheck: {
        test: ["CMD", "/bin/sh", "-c", "exit 0"],
        interval: "1s",
        timeout: "2s",
        max_retry_count: 3,
        start_period: "500ms",
      },
      labels: { "org.example.role": "controller", "org.example.n": 1 },
      volumes: [
        "./host-data:/host-data:ro",
        `${volume}:/data`,
        { type: "tmpfs", target: "/scratch", tmpfs: { size: "16m", mode: 1777 } },
      ],
      env_file: "controller.env",
      environment: { GREETING: "hello", NUM: 42 },
      ports: ["127.0.0.1::8080", { target: 9090, host_ip: "127.0.0.1", published: 0, protocol: "udp" }],
      logging: { driver: "json-file", options: { "max-size": "1m", "max-file": 2 } },
      security_opt: ["no-new-privileges:true"],
      privileged: false,
      networks: [front, back],
    });
    expect(extraNetworks).toEqual([back]);
    container = await engine.createAndStart(create, extraNetworks);
    expect(container.id).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  test("inspect shows every option where Docker keeps it", async () => {
    const info = await container.inspect();
    const host = info.HostConfig as Dockerode.HostConfig;
    expect(info.Name).toBe(`/${name}`);
    expect(host.Memory).toBe(64 * 1024 ** 2);
    expect(host.MemorySwap).toBe(128 * 1024 ** 2);
    expect(host.NanoCpus).toBe(5e8);
    expect(host.CpuShares).toBe(512);
    expect(host.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 2 });
    expect(host.Privileged).toBe(false);
    expect(host.SecurityOpt).toEqual(["no-new-privileges:true"]);
    expect(host.LogConfig).toEqual({ Type: "json-file", Config: { "max-size": "1m", "max-file": "2" } });
    expect(host.NetworkMode).toBe(front);
    expect(info.Config.Healthcheck).toEqual({
      Test: ["CMD", "/bin/sh", "-c", "exit 0"],
      Interval: 1e9,
      Timeout: 2e9,
      Retries: 3,
      StartPeriod: 5e8,
    });
    expect(info.Config.Labels).toMatchObject({
      "org.example.role": "controller",
      "org.example.n": "1",
      [PROJECT_LABEL]: projectName,
      [PROJECT_DIR_LABEL]: projectDir,
    });
    expect(info.Config.Env).toEqual(
      expect.arrayContaining(["GREETING=hello", "NUM=42", "FROM_FILE=env-file"]),
    );
    expect(info.Config.User).toBe("10001");
    expect(info.Config.Hostname).toBe("mc-controller");
    expect(info.Config.WorkingDir).toBe("/tmp");
    expect(Object.keys(info.Config.ExposedPorts ?? {}).sort()).toEqual(["8080/tcp", "9090/udp"]);

    // Mounts: the bind (read-only), the named volume, and the tmpfs.
    const mounts = info.Mounts as Array<{
      Type: string;
      Source: string;
      Destination: string;
      RW: boolean;
      Name?: string;
    }>;
    expect(mounts.find((m) => m.Destination === "/host-data")).toMatchObject({
      Type: "bind",
      Source: hostDir,
      RW: false,
    });
    expect(mounts.find((m) => m.Destination === "/data")).toMatchObject({
      Type: "volume",
      Name: volume,
      RW: true,
    });
    expect(host.Binds).toEqual([`${hostDir}:/host-data:ro`, `${volume}:/data`]);
    expect(host.Mounts).toEqual([
      { Type: "tmpfs", Target: "/scratch", TmpfsOptions: { SizeBytes: 16 * 1024 ** 2, Mode: 0o1777 } },
    ] as never);

    // Ports: published on 127.0.0.1 only.
    expect(host.PortBindings).toEqual({
      "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }],
      "9090/udp": [{ HostIp: "127.0.0.1", HostPort: "0" }],
    });
    const published = info.NetworkSettings.Ports as Record<
      string,
      Array<{ HostIp: string; HostPort: string }>
    >;
    for (const key of ["8080/tcp", "9090/udp"]) {
      expect(published[key].length).toBeGreaterThan(0);
      for (const binding of published[key]) {
        expect(binding.HostIp).toBe("127.0.0.1");
        expect(Number(binding.HostPort)).toBeGreaterThan(0);
      }
    }

    // Both networks, the second connected after creation.
    expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual([back, front].sort());
  });

  test("waitHealthy: running and healthy", async () => {
    await engine.waitHealthy(container, 30_000);
    const info = await container.inspect();
    expect((info.State as { Health?: { Status: string } }).Health?.Status).toBe("healthy");
  }, 40_000);

  test("logs: stdout and stderr lines, and what the options did inside", async () => {
    const lines = await collectLogs(container);
    expect(lines).toContainEqual(["stdout", "uid=10001 host=mc-controller pwd=/tmp"]);
    expect(lines).toContainEqual(["stdout", "scratch=1777"]);
    expect(lines).toContainEqual(["stdout", "host-file=from the host"]);
    expect(lines).toContainEqual(["stdout", "env=hello/42/env-file"]);
    expect(lines).toContainEqual(["stderr", "to-stderr"]);
  });

  test("logs: follow until aborted", async () => {
    const controller = new AbortController();
    const ticks: string[] = [];
    const done = engine.logs(
      container,
      true,
      (line) => {
        if (line.startsWith("tick")) ticks.push(line);
        if (ticks.length >= 2) controller.abort();
      },
      controller.signal,
      1,
    );
    await done;
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    const [a, b] = ticks.map((t) => Number(t.split(" ")[1]));
    expect(b).toBe(a + 1);
  }, 30_000);

  test("logs: follow ends when the container stops", async () => {
    const seen: string[] = [];
    const following = engine.logs(container, true, (line) => seen.push(line), undefined, 0);
    await Bun.sleep(300);
    await engine.stop(container, 5);
    await following;
    expect(seen).toContain("stopping");
  }, 30_000);

  test("stop and start", async () => {
    await engine.stop(container, 5); // already stopped: fine
    let info = await container.inspect();
    expect(info.State.Running).toBe(false);
    expect(info.State.ExitCode).toBe(0);
    await engine.start(container);
    await engine.start(container); // already running: fine
    info = await container.inspect();
    expect(info.State.Running).toBe(true);
    await engine.waitHealthy(name, 30_000);
  }, 60_000);

  test("findContainer by labels and by name", async () => {
    const byLabels = await engine.findContainer(projectLabels(projectName, projectDir));
    expect(byLabels?.id).toBe(container.id);
    expect(byLabels?.name).toBe(name);
    expect(byLabels?.state).toBe("running");
    expect(byLabels?.labels[PROJECT_LABEL]).toBe(projectName);
    const byName = await engine.findContainer(name);
    expect(byName?.id).toBe(container.id);
    expect(await engine.findContainer(name.slice(0, -2))).toBeUndefined(); // no prefix matches
    expect(await engine.findContainer({ [PROJECT_LABEL]: `${projectName}-other` })).toBeUndefined();
    expect(
      await engine.findContainer({ [PROJECT_LABEL]: projectName, [PROJECT_DIR_LABEL]: "/elsewhere" }),
    ).toBeUndefined();
  });

  test("remove", async () => {
    await engine.remove(container);
    expect(await engine.findContainer(name)).toBeUndefined();
    await engine.remove(container); // already gone: fine
    await engine.docker.getVolume(volume).remove();
  }, 30_000);
});

describe("waitHealthy failures", () => {
  test("a container that exits fails early, with its last log lines", async () => {
    const { create } = specFor({
      command: ["/bin/sh", "-c", "echo first-line; echo boom-line >&2; exit 3"],
      ports: [],
    });
    const container = await engine.createAndStart(create);
    const started = Date.now();
    const error = await engine.waitHealthy(container, 30_000).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/^container \S+ exited \(exit code 3\)\nlast log lines:\n/);
    // stdout and stderr are separate pipes: their relative order is not fixed.
    expect(error?.message.split("\n").slice(2).sort()).toEqual(["boom-line", "first-line"]);
    expect(Date.now() - started).toBeLessThan(15_000);
    await engine.remove(container);
  }, 40_000);

  test("a container that keeps restarting fails early", async () => {
    const { create } = specFor({
      command: ["/bin/sh", "-c", "echo crash; exit 4"],
      ports: [],
      restart: "always",
    });
    const container = await engine.createAndStart(create);
    await expect(engine.waitHealthy(container, 30_000)).rejects.toThrow(
      /container \S+ keeps exiting and restarting \((last exit code 4, )?restarted \d+ times?\)\nlast log lines:\ncrash/,
    );
    await engine.remove(container);
  }, 40_000);

  test("an unhealthy container fails with the healthcheck's output", async () => {
    const { create } = specFor({
      command: ["/bin/sh", "-c", "echo running; sleep 60"],
      ports: [],
      healthcheck: {
        test: ["CMD-SHELL", "echo check-failed; exit 1"],
        interval: "200ms",
        timeout: "2s",
        max_retry_count: 1,
      },
    });
    const container = await engine.createAndStart(create);
    await expect(engine.waitHealthy(container, 30_000)).rejects.toThrow(
      /container \S+ is unhealthy; last healthcheck exited 1: check-failed\nlast log lines:\nrunning/,
    );
    await engine.remove(container);
  }, 40_000);

  test("a healthcheck that never passes in time fails with the state", async () => {
    const { create } = specFor({
      command: ["/bin/sh", "-c", "sleep 60"],
      ports: [],
      healthcheck: { test: ["CMD", "/bin/sh", "-c", "exit 0"], interval: "1h", start_period: "1h" },
    });
    const container = await engine.createAndStart(create);
    await expect(engine.waitHealthy(container, 1000)).rejects.toThrow(
      /did not become healthy within 1 s \(state: running, health: starting\) \(no output\)/,
    );
    await engine.remove(container);
  }, 40_000);

  test("a container without a healthcheck only needs to run", async () => {
    const { create } = specFor({
      command: ["/bin/sh", "-c", "sleep 60"],
      ports: [],
      healthcheck: { test: ["NONE"] },
    });
    const container = await engine.createAndStart(create);
    await engine.waitHealthy(container, 10_000);
    await engine.remove(container);
  }, 30_000);
});

describe("createAndStart failures", () => {
  test("a container that cannot start is removed again, and the error says why", async () => {
    const name = `mc-engine-test-nostart-${suffix}`;
    const { create } = specFor({ container_name: name, command: ["/no/such/program"], ports: [] });
    await expect(engine.createAndStart(create)).rejects.toThrow(
      new RegExp(`^created container ${name} but could not start it: .*no/such/program`),
    );
    expect(await engine.findContainer(name)).toBeUndefined();
  }, 30_000);

  test("a missing network is reported and the container removed", async () => {
    const name = `mc-engine-test-nonet-${suffix}`;
    const { create } = specFor({ container_name: name, ports: [], command: ["sleep", "30"] });
    await expect(engine.createAndStart(create, [`mc-no-such-network-${suffix}`])).rejects.toThrow(
      /^created container mc-engine-test-nonet-\w+ but could not (connect it to network|start it): .*network mc-no-such-network-\w+ not found/,
    );
    expect(await engine.findContainer(name)).toBeUndefined();
  }, 30_000);

  test("a missing image is reported", async () => {
    const { create } = specFor({ ports: [] }, `model-compose/no-such-image-${suffix}:x`);
    await expect(engine.createAndStart(create)).rejects.toThrow(
      /^cannot create the container from image model-compose\/no-such-image-\w+:x: No such image/,
    );
  });
});
