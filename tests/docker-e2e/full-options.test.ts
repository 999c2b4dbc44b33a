/**
 * The seed's docker runtime YAML (user guide 14.2.1-14.2.3), every example combined into
 * one compose file, adapted to this machine: image and names carry a per-run suffix, the
 * registry is 127.0.0.1:1 (nothing answers, so the pull fails and the image is built
 * locally), every published port is on 127.0.0.1, `build` uses the auto context with a
 * project Dockerfile that has named stages (so `target` means something), and the
 * network is one the test creates.
 *
 * Not in the combined file, and why:
 * - A bare port number (`- 8081`) publishes on every interface. It is exercised by the
 *   second compose file below, on a network whose default host binding is 127.0.0.1 and
 *   which is the container's only network (with `bridge` attached too, Docker would pick
 *   `bridge` as the gateway and bind 0.0.0.0).
 * - `entrypoint` replaces the controller's start; the second file sets one that still
 *   starts the controller. The first file sets `command` to the controller's own start.
 * - `pull: true` would need a registry for the base image: `pull: false` here.
 * - `cpus` is 0.5 rather than the seed's 2.0, which fails on a one-CPU machine.
 * - `build.network: host` works with the daemon's classic builder (a RUN step runs).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  BASE_IMAGE,
  Cleanup,
  compiledBinary,
  docker,
  freeContainerPort,
  healthOf,
  inspect,
  mc,
  PROJECT_DIR_LABEL,
  projectContainers,
  releaseBinary,
  runWorkflow,
  show,
  uniqueSuffix,
  waitHealthy,
} from "./helpers.ts";

const TIMEOUT = 180_000;
const suffix = uniqueSuffix();
const cleanup = new Cleanup();

const containerName = cleanup.container(`mc-e2e-full-${suffix}`);
const image = cleanup.image(`127.0.0.1:1/mc-e2e/model-compose:full-${suffix}`);
const network = cleanup.network(`mc-e2e-net-${suffix}`);
const loopbackNetwork = cleanup.network(`mc-e2e-lo-${suffix}`);
const volume = cleanup.volume(`mc-e2e-data-${suffix}`);
const apiKey = `sk-test-${suffix}`;

let dir: string;
let port: number;
let longFormPort: number;

/** The parts both compose files share, so the image built for the first serves the second. */
function controllerHead(): string {
  return `controller:
  type: http-server
  port: ${port}
  runtime:
`;
}

function buildSection(): string {
  return `    image: ${image}
    build:
      dockerfile: docker/Dockerfile.mc
      args:
        BASE_IMAGE: ${BASE_IMAGE}
        PYTHON_VERSION: "3.11"
        MODEL_NAME: "llama-2"
      target: runtime
      cache_from:
        - ${BASE_IMAGE}
      labels:
        app: model-compose
        version: "1.0"
      network: host
      pull: false
`;
}

const WORKFLOW = `workflow:
  component:
    type: shell
    command: ["sh", "-c", "cat /models/weights.txt; echo key=$OPENAI_API_KEY workers=$WORKERS log=$LOG_LEVEL from_file=$FROM_ENV_FILE; id -u; cat /etc/mc-build-info; cat /cache/note.txt; echo ok > /tmp/probe && cat /tmp/probe"]
    output: \${stdout}
`;

function fullCompose(): string {
  return `${controllerHead()}    type: docker
    container_name: ${containerName}
    ports:
      - "127.0.0.1:${port}:${port}"       # host:container (on 127.0.0.1)
      - target: ${port}                   # long form
        published: ${longFormPort}
        protocol: tcp
        mode: host
        host_ip: 127.0.0.1
${buildSection()}    networks:
      - ${network}
      - bridge
    hostname: model-compose-host
    command: ["/usr/local/bin/model-compose", "up"]
    working_dir: /app
    user: "10001:10001"
    mem_limit: 2g
    memswap_limit: 4g
    cpus: "0.5"
    cpu_shares: 1024
    restart: unless-stopped
    healthcheck:
      test: ["CMD", "/usr/local/bin/model-compose", "health"]
      interval: 2s
      timeout: 5s
      max_retry_count: 3
      start_period: 40s
    privileged: false
    security_opt:
      - apparmor=unconfined
      - seccomp=unconfined
    logging:
      driver: json-file
      options:
        max-size: "10m"
        max-file: "3"
    labels:
      environment: production
      team: ml-ops
      version: "1.0.0"
    volumes:
      - ./models:/models
      - ./cache:/cache:ro
      - ${volume}:/data
      - type: bind
        source: ./models
        target: /models-rw
        read_only: false
        bind:
          propagation: rprivate
      - type: volume
        source: ${volume}
        target: /data2
        volume:
          nocopy: false
      - type: tmpfs
        target: /tmp
        tmpfs:
          size: 1073741824
          mode: 1777
    environment:
      OPENAI_API_KEY: \${env.OPENAI_API_KEY}
      MODEL_CACHE_DIR: /models
      LOG_LEVEL: info
      WORKERS: 4
    env_file:
      - .env.runtime
${WORKFLOW}`;
}

/** Same controller, image and workflow; an entrypoint, a bare port, the string healthcheck. */
function entrypointCompose(): string {
  return `${controllerHead()}    type: docker
    ports:
      - ${port}
${buildSection()}    networks:
      - ${loopbackNetwork}
    entrypoint: /bin/sh
    command: ["-c", "echo entrypoint-ran-$MARK; exec /usr/local/bin/model-compose up"]
    environment:
      MARK: ${suffix}
    volumes:
      - ./models:/models
      - ./cache:/cache:ro
    healthcheck:
      test: "/usr/local/bin/model-compose health || exit 1"
      interval: 1s
${WORKFLOW}`;
}

const DOCKERFILE = `# A project Dockerfile with named stages; the auto context (.docker/) holds the
# executable and project/ (the compose file as the container sees it).
ARG BASE_IMAGE=debian:bookworm-slim
FROM \${BASE_IMAGE} AS runtime
ARG CONTROLLER_PORT=8080
ARG MODEL_NAME=none
COPY model-compose /usr/local/bin/model-compose
COPY --chown=10001:10001 project/ /app/
RUN echo "model=\${MODEL_NAME}" > /etc/mc-build-info
WORKDIR /app
USER 10001:10001
ENV MODEL_COMPOSE_PORT=\${CONTROLLER_PORT}
LABEL com.example.stage=runtime
CMD ["/usr/local/bin/model-compose", "up"]

FROM runtime AS development
LABEL com.example.stage=development
CMD ["/usr/local/bin/model-compose", "-v", "up"]
`;

beforeAll(async () => {
  expect(docker(["info", "--format", "{{.ServerVersion}}"]).code).toBe(0);
  await compiledBinary();
  dir = cleanup.project(mkdtempSync(path.join(tmpdir(), `mc-e2e-full-${suffix}-`)));
  port = await freeContainerPort();
  do longFormPort = await freeContainerPort();
  while (longFormPort === port);
  mkdirSync(path.join(dir, "models"));
  mkdirSync(path.join(dir, "cache"));
  mkdirSync(path.join(dir, "docker"));
  writeFileSync(path.join(dir, "models", "weights.txt"), `weights-${suffix}\n`);
  writeFileSync(path.join(dir, "cache", "note.txt"), "cached\n");
  writeFileSync(path.join(dir, "docker", "Dockerfile.mc"), DOCKERFILE);
  writeFileSync(path.join(dir, ".env"), `OPENAI_API_KEY=${apiKey}\n`);
  // env_file: LOG_LEVEL here loses to `environment`.
  writeFileSync(path.join(dir, ".env.runtime"), "FROM_ENV_FILE=yes\nLOG_LEVEL=debug\n");
  writeFileSync(path.join(dir, "model-compose.yml"), fullCompose());
  writeFileSync(path.join(dir, "entry.yml"), entrypointCompose());
  expect(docker(["network", "create", network]).code).toBe(0);
  // A network on which ports published without an address bind 127.0.0.1.
  const lo = docker([
    "network",
    "create",
    "-o",
    "com.docker.network.bridge.host_binding_ipv4=127.0.0.1",
    loopbackNetwork,
  ]);
  expect(lo.code).toBe(0);
}, TIMEOUT);

afterAll(async () => {
  if (dir) {
    await mc(["down"], { cwd: dir }).catch(() => undefined);
    await mc(["-f", "entry.yml", "down"], { cwd: dir }).catch(() => undefined);
  }
  cleanup.run();
  await releaseBinary();
}, TIMEOUT);

describe("the seed's docker runtime options, combined", () => {
  test(
    "`config` loads the file: every option is there, env bindings resolved from .env",
    async () => {
      const r = await mc(["config", "--format", "json"], { cwd: dir });
      expect(r.code, show(r)).toBe(0);
      const runtime = JSON.parse(r.stdout).controller.runtime;
      expect(Object.keys(runtime).sort()).toEqual(
        [
          "type",
          "image",
          "container_name",
          "ports",
          "build",
          "networks",
          "hostname",
          "command",
          "working_dir",
          "user",
          "mem_limit",
          "memswap_limit",
          "cpus",
          "cpu_shares",
          "restart",
          "healthcheck",
          "privileged",
          "security_opt",
          "logging",
          "labels",
          "volumes",
          "environment",
          "env_file",
        ].sort(),
      );
      expect(runtime.environment.OPENAI_API_KEY).toBe(apiKey);
      expect(Object.keys(runtime.build).sort()).toEqual(
        ["dockerfile", "args", "target", "cache_from", "labels", "network", "pull"].sort(),
      );
      const entry = await mc(["-f", "entry.yml", "config"], { cwd: dir });
      expect(entry.code, show(entry)).toBe(0);
    },
    TIMEOUT,
  );

  test(
    "`up -d`: the pull fails, the image is built from the target stage, the container starts",
    async () => {
      const r = await mc(["up", "-d"], { cwd: dir });
      expect(r.code, show(r)).toBe(0);
      expect(r.stderr).toContain(`pull of ${image} failed`);
      expect(r.stderr).toContain(`building ${image} from ${path.join(dir, ".docker")}`);
      expect(r.stdout).toContain(`container ${containerName} is running`);
      expect(r.stdout).toContain(`127.0.0.1:${port} -> ${port}/tcp`);
      expect(r.stdout).toContain(`127.0.0.1:${longFormPort} -> ${port}/tcp`);
      // The build ran the runtime stage only, with the build args and labels.
      const img = inspect("image", image);
      expect(img, `image ${image}`).toBeDefined();
      expect(img.Config.Labels["com.example.stage"]).toBe("runtime");
      expect(img.Config.Labels.app).toBe("model-compose");
      expect(img.Config.Labels.version).toBe("1.0");
      expect(img.Config.Labels[PROJECT_DIR_LABEL]).toBe(dir);
      expect(img.Config.Cmd).toEqual(["/usr/local/bin/model-compose", "up"]);
    },
    TIMEOUT,
  );

  test(
    "`docker inspect` shows each option where Docker keeps it",
    () => {
      const c = inspect("container", containerName);
      expect(c, `container ${containerName}`).toBeDefined();
      const host = c.HostConfig;
      const config = c.Config;
      const gib = 1024 ** 3;

      // container_name, image
      expect(c.Name).toBe(`/${containerName}`);
      expect(config.Image).toBe(image);
      // hostname, command, working_dir, user (no entrypoint in this file)
      expect(config.Hostname).toBe("model-compose-host");
      expect(config.Cmd).toEqual(["/usr/local/bin/model-compose", "up"]);
      expect(config.Entrypoint).toBeNull();
      expect(config.WorkingDir).toBe("/app");
      expect(config.User).toBe("10001:10001");
      // mem_limit, memswap_limit, cpus, cpu_shares
      expect(host.Memory).toBe(2 * gib);
      expect(host.MemorySwap).toBe(4 * gib);
      expect(host.NanoCpus).toBe(500_000_000);
      expect(host.CpuShares).toBe(1024);
      // restart, privileged, security_opt, logging
      expect(host.RestartPolicy).toEqual({ Name: "unless-stopped", MaximumRetryCount: 0 });
      expect(host.Privileged).toBe(false);
      expect(host.SecurityOpt).toEqual(["apparmor=unconfined", "seccomp=unconfined"]);
      expect(host.LogConfig).toEqual({ Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } });
      // healthcheck: durations in nanoseconds
      expect(config.Healthcheck).toEqual({
        Test: ["CMD", "/usr/local/bin/model-compose", "health"],
        Interval: 2_000_000_000,
        Timeout: 5_000_000_000,
        Retries: 3,
        StartPeriod: 40_000_000_000,
      });
      // labels: the user's, and the project's (how `down` finds the container)
      expect(config.Labels).toMatchObject({
        environment: "production",
        team: "ml-ops",
        version: "1.0.0",
        [PROJECT_DIR_LABEL]: dir,
      });
      // environment (${env.X} from .env; wins over env_file), env_file
      expect(config.Env).toEqual(
        expect.arrayContaining([
          `OPENAI_API_KEY=${apiKey}`,
          "MODEL_CACHE_DIR=/models",
          "LOG_LEVEL=info",
          "WORKERS=4",
          "FROM_ENV_FILE=yes",
        ]),
      );
      expect(config.Env).not.toContain("LOG_LEVEL=debug");
      // ports: string and long form, both on 127.0.0.1 only
      expect(host.PortBindings).toEqual({
        [`${port}/tcp`]: [
          { HostIp: "127.0.0.1", HostPort: String(port) },
          { HostIp: "127.0.0.1", HostPort: String(longFormPort) },
        ],
      });
      const published = Object.values(c.NetworkSettings.Ports).flat() as Array<{ HostIp: string }>;
      expect(published.length).toBeGreaterThan(0);
      for (const b of published) expect(b.HostIp).toBe("127.0.0.1");
      // networks: the first is the network mode, the rest are connected
      expect(host.NetworkMode).toBe(network);
      expect(Object.keys(c.NetworkSettings.Networks).sort()).toEqual(["bridge", network].sort());
      // volumes, short form: binds (relative paths resolved against the project) and a named volume
      expect(host.Binds).toEqual([`${dir}/models:/models`, `${dir}/cache:/cache:ro`, `${volume}:/data`]);
      // volumes, long form: mounts with their options
      expect(host.Mounts).toEqual([
        {
          Type: "bind",
          Source: `${dir}/models`,
          Target: "/models-rw",
          BindOptions: { Propagation: "rprivate" },
        },
        { Type: "volume", Source: volume, Target: "/data2", VolumeOptions: {} },
        { Type: "tmpfs", Target: "/tmp", TmpfsOptions: { SizeBytes: gib, Mode: 0o1777 } },
      ]);
      const mounts = Object.fromEntries(
        (c.Mounts as Array<{ Destination: string }>).map((m) => [m.Destination, m]),
      );
      expect(mounts["/models"]).toMatchObject({ Type: "bind", Source: `${dir}/models`, RW: true });
      expect(mounts["/cache"]).toMatchObject({ Type: "bind", Source: `${dir}/cache`, RW: false });
      expect(mounts["/data"]).toMatchObject({ Type: "volume", Name: volume });
      expect(mounts["/models-rw"]).toMatchObject({ Type: "bind", RW: true, Propagation: "rprivate" });
      expect(mounts["/data2"]).toMatchObject({ Type: "volume", Name: volume });
      expect(mounts["/tmp"]).toMatchObject({ Type: "tmpfs" });
      expect(inspect("volume", volume)?.Name).toBe(volume);
    },
    TIMEOUT,
  );

  test(
    "a workflow run through both published ports sees the mounts, the environment and the build",
    async () => {
      for (const p of [port, longFormPort]) {
        const { status, body } = await runWorkflow(p);
        expect(status, JSON.stringify(body)).toBe(200);
        expect(body.status).toBe("completed");
        expect(String(body.output).split("\n")).toEqual([
          `weights-${suffix}`,
          `key=${apiKey} workers=4 log=info from_file=yes`,
          "10001",
          "model=llama-2",
          "cached",
          "ok",
          "",
        ]);
      }
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok" });
      expect(healthOf(containerName)).toBe("healthy");
      // ./cache is mounted read-only.
      const write = docker(["exec", containerName, "sh", "-c", "echo x > /cache/new"]);
      expect(write.code).not.toBe(0);
      expect(write.stderr).toMatch(/read-only/i);
    },
    TIMEOUT,
  );

  test(
    "`down` removes the container; the test's own network and volume are left alone",
    async () => {
      const r = await mc(["down"], { cwd: dir });
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toContain(`container ${containerName} stopped and removed`);
      expect(projectContainers(dir)).toEqual([]);
      expect(docker(["ps", "-a", "--format", "{{.Names}}"]).stdout.split("\n")).not.toContain(containerName);
      expect(inspect("network", network)).toBeDefined();
      expect(inspect("volume", volume)).toBeDefined();
    },
    TIMEOUT,
  );

  test(
    "entrypoint + command, a bare port number, a string healthcheck: same image, no rebuild",
    async () => {
      const r = await mc(["-f", "entry.yml", "up", "-d"], { cwd: dir });
      expect(r.code, show(r)).toBe(0);
      // Only runtime options differ from the first file: the image is reused.
      expect(r.stderr).toContain(`image ${image} is up to date`);
      expect(r.stderr).not.toContain("Step 1/");
      const [name] = projectContainers(dir);
      expect(name).toBeDefined();
      const c = inspect("container", name);
      expect(c.Config.Entrypoint).toEqual(["/bin/sh"]);
      expect(c.Config.Cmd).toEqual(["-c", "echo entrypoint-ran-$MARK; exec /usr/local/bin/model-compose up"]);
      expect(c.Config.Healthcheck.Test).toEqual([
        "CMD-SHELL",
        "/usr/local/bin/model-compose health || exit 1",
      ]);
      expect(c.Config.Healthcheck.Interval).toBe(1_000_000_000);
      // A bare number: the same port on the host, at the address the network binds by default.
      expect(c.HostConfig.PortBindings).toEqual({
        [`${port}/tcp`]: [{ HostIp: "", HostPort: String(port) }],
      });
      expect(c.NetworkSettings.Ports[`${port}/tcp`]).toEqual([
        { HostIp: "127.0.0.1", HostPort: String(port) },
      ]);
      expect(Object.keys(c.NetworkSettings.Networks)).toEqual([loopbackNetwork]);
      // The entrypoint ran (its output is in the logs), then the controller it started serves.
      expect(docker(["logs", name]).stdout).toContain(`entrypoint-ran-${suffix}`);
      await waitHealthy(name);
      const { status, body } = await runWorkflow(port);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(String(body.output)).toContain(`weights-${suffix}`);

      const down = await mc(["-f", "entry.yml", "down"], { cwd: dir });
      expect(down.code, show(down)).toBe(0);
      expect(projectContainers(dir)).toEqual([]);
      // Not created by model-compose: `down` does not remove it.
      expect(inspect("network", loopbackNetwork)).toBeDefined();
    },
    TIMEOUT,
  );
});
