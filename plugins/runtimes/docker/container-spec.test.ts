import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import * as v from "valibot";
import { ConfigErrors } from "../../../runtime/errors.ts";
import {
  buildSpec,
  type ContainerSpecContext,
  containerSpec,
  keyValueRecord,
  PROJECT_DIR_LABEL,
  PROJECT_LABEL,
} from "./container-spec.ts";
import { DockerRuntimeOptionsSchema, parseDockerRuntimeOptions } from "./options.ts";
import { parsePort } from "./ports.ts";
import { parseDurationNs, parseOctalMode, parseSizeBytes, splitCommand } from "./values.ts";

const ctx: ContainerSpecContext = {
  projectDir: "/srv/project",
  projectName: "demo",
  controllerPort: 8080,
  image: "model-compose/demo:latest",
};

/** Validates `{type: docker, ...fields}` and maps it. */
function spec(fields: Record<string, unknown>, extra: Partial<ContainerSpecContext> = {}) {
  const options = v.parse(DockerRuntimeOptionsSchema, { type: "docker", ...fields });
  return containerSpec(options, { ...ctx, ...extra });
}

/** The load errors for `{type: docker, ...fields}`, each "key.path: message". */
function errorsOf(fields: unknown): string[] {
  const input = fields && typeof fields === "object" ? { type: "docker", ...fields } : fields;
  try {
    parseDockerRuntimeOptions(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigErrors);
    return (error as ConfigErrors).errors.map((e) => e.message);
  }
  throw new Error(`expected ${JSON.stringify(fields)} to be rejected`);
}

describe("the string form", () => {
  test('"docker" means {type: docker}', () => {
    expect(v.parse(DockerRuntimeOptionsSchema, "docker")).toEqual({ type: "docker" });
    expect(v.parse(DockerRuntimeOptionsSchema, { type: "docker" })).toEqual({ type: "docker" });
  });

  test("defaults: image, labels, the controller port published as the same port", () => {
    const { create, extraNetworks } = containerSpec(v.parse(DockerRuntimeOptionsSchema, "docker"), ctx);
    expect(create).toEqual({
      Image: "model-compose/demo:latest",
      Labels: { [PROJECT_LABEL]: "demo", [PROJECT_DIR_LABEL]: "/srv/project" },
      ExposedPorts: { "8080/tcp": {} },
      HostConfig: { PortBindings: { "8080/tcp": [{ HostIp: "", HostPort: "8080" }] } },
    });
    expect(extraNetworks).toEqual([]);
  });
});

describe("simple fields", () => {
  const cases: Array<
    [string, Record<string, unknown>, (c: ReturnType<typeof spec>["create"]) => unknown, unknown]
  > = [
    ["container_name", { container_name: "demo-controller" }, (c) => c.name, "demo-controller"],
    ["hostname", { hostname: "controller" }, (c) => c.Hostname, "controller"],
    ["user uid:gid", { user: "1000:1000" }, (c) => c.User, "1000:1000"],
    ["user name", { user: "app" }, (c) => c.User, "app"],
    ["user number", { user: 10001 }, (c) => c.User, "10001"],
    ["working_dir", { working_dir: "/app" }, (c) => c.WorkingDir, "/app"],
    ["command list", { command: ["serve", "--port", "8080"] }, (c) => c.Cmd, ["serve", "--port", "8080"]],
    [
      "command string is split like a shell",
      { command: `serve --name "my model" --flag='a b' $HOME` },
      (c) => c.Cmd,
      ["serve", "--name", "my model", "--flag=a b", "$HOME"],
    ],
    ["entrypoint list", { entrypoint: ["/bin/sh", "-c"] }, (c) => c.Entrypoint, ["/bin/sh", "-c"]],
    ["entrypoint string", { entrypoint: "tini --" }, (c) => c.Entrypoint, ["tini", "--"]],
    ["mem_limit 512m", { mem_limit: "512m" }, (c) => c.HostConfig?.Memory, 512 * 1024 ** 2],
    ["mem_limit 2g", { mem_limit: "2g" }, (c) => c.HostConfig?.Memory, 2 * 1024 ** 3],
    ["mem_limit 1.5G", { mem_limit: "1.5G" }, (c) => c.HostConfig?.Memory, 1.5 * 1024 ** 3],
    ["mem_limit 100k", { mem_limit: "100k" }, (c) => c.HostConfig?.Memory, 102400],
    ["mem_limit 256mb", { mem_limit: "256mb" }, (c) => c.HostConfig?.Memory, 256 * 1024 ** 2],
    ["mem_limit bytes b", { mem_limit: "1048576b" }, (c) => c.HostConfig?.Memory, 1048576],
    ["mem_limit number", { mem_limit: 1073741824 }, (c) => c.HostConfig?.Memory, 1073741824],
    [
      "memswap_limit",
      { mem_limit: "1g", memswap_limit: "2g" },
      (c) => c.HostConfig?.MemorySwap,
      2 * 1024 ** 3,
    ],
    ["memswap_limit -1", { mem_limit: "1g", memswap_limit: -1 }, (c) => c.HostConfig?.MemorySwap, -1],
    ["cpus string", { cpus: "2.0" }, (c) => c.HostConfig?.NanoCpus, 2e9],
    ["cpus fraction", { cpus: 0.5 }, (c) => c.HostConfig?.NanoCpus, 5e8],
    ["cpus integer", { cpus: 3 }, (c) => c.HostConfig?.NanoCpus, 3e9],
    ["cpu_shares", { cpu_shares: 512 }, (c) => c.HostConfig?.CpuShares, 512],
    [
      "restart no",
      { restart: "no" },
      (c) => c.HostConfig?.RestartPolicy,
      { Name: "no", MaximumRetryCount: 0 },
    ],
    [
      "restart always",
      { restart: "always" },
      (c) => c.HostConfig?.RestartPolicy,
      { Name: "always", MaximumRetryCount: 0 },
    ],
    [
      "restart unless-stopped",
      { restart: "unless-stopped" },
      (c) => c.HostConfig?.RestartPolicy,
      { Name: "unless-stopped", MaximumRetryCount: 0 },
    ],
    [
      "restart on-failure",
      { restart: "on-failure" },
      (c) => c.HostConfig?.RestartPolicy,
      { Name: "on-failure", MaximumRetryCount: 0 },
    ],
    [
      "restart on-failure:5",
      { restart: "on-failure:5" },
      (c) => c.HostConfig?.RestartPolicy,
      { Name: "on-failure", MaximumRetryCount: 5 },
    ],
    ["privileged", { privileged: true }, (c) => c.HostConfig?.Privileged, true],
    [
      "security_opt",
      { security_opt: ["no-new-privileges:true", "seccomp=unconfined"] },
      (c) => c.HostConfig?.SecurityOpt,
      ["no-new-privileges:true", "seccomp=unconfined"],
    ],
    [
      "logging",
      { logging: { driver: "json-file", options: { "max-size": "10m", "max-file": 3 } } },
      (c) => c.HostConfig?.LogConfig,
      { Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } },
    ],
    [
      "logging driver only",
      { logging: { driver: "none" } },
      (c) => c.HostConfig?.LogConfig,
      { Type: "none", Config: {} },
    ],
    [
      "networks: first is the NetworkMode",
      { networks: ["front", "back"] },
      (c) => c.HostConfig?.NetworkMode,
      "front",
    ],
  ];
  test.each(cases)("%s", (_name, fields, pick, expected) => {
    expect(pick(spec(fields).create)).toEqual(expected);
  });

  test("networks after the first are connected after creation", () => {
    expect(spec({ networks: ["front", "back", "db"] }).extraNetworks).toEqual(["back", "db"]);
    expect(spec({ networks: ["only"] }).extraNetworks).toEqual([]);
  });
});

describe("labels", () => {
  test.each([
    [
      "a mapping",
      { "app.tier": "ml", version: 2, beta: true },
      { "app.tier": "ml", version: "2", beta: "true" },
    ],
    ["a list", ["app.tier=ml", "note=a=b", "flag"], { "app.tier": "ml", note: "a=b", flag: "" }],
  ])("%s", (_name, labels, expected) => {
    expect(spec({ labels }).create.Labels).toEqual({
      ...expected,
      [PROJECT_LABEL]: "demo",
      [PROJECT_DIR_LABEL]: "/srv/project",
    });
  });

  test("the project labels win over user and runtime labels; runtime labels over user labels", () => {
    const labels = spec(
      { labels: { [PROJECT_LABEL]: "other", a: "user", b: "user" } },
      { labels: { b: "runtime", c: "runtime" } },
    ).create.Labels;
    expect(labels).toEqual({
      a: "user",
      b: "runtime",
      c: "runtime",
      [PROJECT_LABEL]: "demo",
      [PROJECT_DIR_LABEL]: "/srv/project",
    });
  });
});

describe("ports", () => {
  const cases: Array<[string, unknown[], Record<string, unknown>]> = [
    ['"host:container"', ["5000:8080"], { "8080/tcp": [{ HostIp: "", HostPort: "5000" }] }],
    [
      '"ip:host:container"',
      ["127.0.0.1:5000:8080"],
      { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "5000" }] },
    ],
    ['"[ipv6]:host:container"', ["[::1]:5000:8080"], { "8080/tcp": [{ HostIp: "::1", HostPort: "5000" }] }],
    [
      '"ip::container" (any host port)',
      ["127.0.0.1::8080"],
      { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
    ],
    ['"container/udp"', ["8080/udp"], { "8080/udp": [{ HostIp: "", HostPort: "8080" }] }],
    ['"host:container/udp"', ["5353:53/udp"], { "53/udp": [{ HostIp: "", HostPort: "5353" }] }],
    ["a bare number", [8081], { "8081/tcp": [{ HostIp: "", HostPort: "8081" }] }],
    ['a bare string "9000"', ["9000"], { "9000/tcp": [{ HostIp: "", HostPort: "9000" }] }],
    [
      "a range",
      ["7000-7001:8000-8001"],
      { "8000/tcp": [{ HostIp: "", HostPort: "7000" }], "8001/tcp": [{ HostIp: "", HostPort: "7001" }] },
    ],
    [
      "a host range for one port",
      ["7000-7005:8000"],
      { "8000/tcp": [{ HostIp: "", HostPort: "7000-7005" }] },
    ],
    [
      "the long form",
      [{ target: 8080, published: 5000, protocol: "udp", mode: "host", host_ip: "127.0.0.1" }],
      { "8080/udp": [{ HostIp: "127.0.0.1", HostPort: "5000" }] },
    ],
    ["the long form, target only", [{ target: 8080 }], { "8080/tcp": [{ HostIp: "", HostPort: "8080" }] }],
    [
      "the long form, published string",
      [{ target: 80, published: "8000" }],
      { "80/tcp": [{ HostIp: "", HostPort: "8000" }] },
    ],
    [
      "two bindings of one container port",
      ["127.0.0.1:5000:8080", "[::1]:5000:8080"],
      {
        "8080/tcp": [
          { HostIp: "127.0.0.1", HostPort: "5000" },
          { HostIp: "::1", HostPort: "5000" },
        ],
      },
    ],
  ];
  test.each(cases)("%s", (_name, ports, bindings) => {
    const { create } = spec({ ports });
    expect(create.HostConfig?.PortBindings).toEqual(bindings);
    expect(Object.keys(create.ExposedPorts ?? {}).sort()).toEqual(
      [...new Set([...Object.keys(bindings), "8080/tcp"])].sort(),
    );
  });

  test("an empty list publishes nothing but still exposes the controller port", () => {
    const { create } = spec({ ports: [] });
    expect(create.HostConfig?.PortBindings).toBeUndefined();
    expect(create.ExposedPorts).toEqual({ "8080/tcp": {} });
  });

  test("parsePort on its own", () => {
    expect(parsePort("127.0.0.1:5000:8080")).toEqual([
      { containerPort: 8080, protocol: "tcp", hostIp: "127.0.0.1", hostPort: "5000" },
    ]);
  });
});

describe("volumes", () => {
  test.each([
    ["a relative bind", "./models:/models", { Binds: ["/srv/project/models:/models"] }],
    ["a read-only bind", "./cache:/cache:ro", { Binds: ["/srv/project/cache:/cache:ro"] }],
    ["an absolute bind with flags", "/data:/data:ro,z", { Binds: ["/data:/data:ro,z"] }],
    ["a parent-relative bind", "../shared:/shared", { Binds: ["/srv/shared:/shared"] }],
    ["a home bind", "~/hf:/hf", { Binds: [`${homedir()}/hf:/hf`] }],
    ["a named volume", "model-data:/data", { Binds: ["model-data:/data"] }],
    ["a named volume with nocopy", "model-data:/data:nocopy", { Binds: ["model-data:/data:nocopy"] }],
  ])("short: %s", (_name, volume, host) => {
    const { create } = spec({ volumes: [volume] });
    expect(create.HostConfig?.Binds).toEqual(host.Binds);
    expect(create.HostConfig?.Mounts).toBeUndefined();
  });

  test("short: an anonymous volume", () => {
    const { create } = spec({ volumes: ["/scratch"] });
    expect(create.Volumes).toEqual({ "/scratch": {} });
    expect(create.HostConfig?.Binds).toBeUndefined();
  });

  test.each([
    [
      "bind with propagation, read-only",
      {
        type: "bind",
        source: "./models",
        target: "/models",
        read_only: true,
        bind: { propagation: "rshared" },
      },
      {
        Type: "bind",
        Source: "/srv/project/models",
        Target: "/models",
        ReadOnly: true,
        BindOptions: { Propagation: "rshared" },
      },
    ],
    [
      "volume with nocopy",
      { type: "volume", source: "model-data", target: "/data", volume: { nocopy: true } },
      { Type: "volume", Source: "model-data", Target: "/data", VolumeOptions: { NoCopy: true } },
    ],
    [
      "anonymous volume",
      { type: "volume", target: "/data" },
      { Type: "volume", Source: "", Target: "/data" },
    ],
    [
      "tmpfs with size and octal mode",
      { type: "tmpfs", target: "/tmp/work", tmpfs: { size: "64m", mode: 1777 } },
      {
        Type: "tmpfs",
        Source: "",
        Target: "/tmp/work",
        TmpfsOptions: { SizeBytes: 64 * 1024 ** 2, Mode: 0o1777 },
      },
    ],
    [
      "tmpfs with byte size and string mode",
      { type: "tmpfs", target: "/run/x", tmpfs: { size: 1000000, mode: "0755" } },
      { Type: "tmpfs", Source: "", Target: "/run/x", TmpfsOptions: { SizeBytes: 1000000, Mode: 0o755 } },
    ],
    ["tmpfs bare", { type: "tmpfs", target: "/t" }, { Type: "tmpfs", Source: "", Target: "/t" }],
  ])("long: %s", (_name, volume, mount) => {
    const { create } = spec({ volumes: [volume] });
    expect(create.HostConfig?.Mounts).toEqual([mount as never]);
    expect(create.HostConfig?.Binds).toBeUndefined();
  });

  test("mode 1777 means octal: 1023", () => {
    expect(parseOctalMode(1777)).toBe(1023);
  });

  test("short and long forms together", () => {
    const { create } = spec({ volumes: ["./a:/a", { type: "tmpfs", target: "/t" }, "v:/v"] });
    expect(create.HostConfig?.Binds).toEqual(["/srv/project/a:/a", "v:/v"]);
    expect(create.HostConfig?.Mounts).toHaveLength(1);
  });
});

describe("healthcheck", () => {
  test.each([
    [
      "CMD list with all durations",
      {
        test: ["CMD", "curl", "-f", "http://localhost:8080/health"],
        interval: "30s",
        timeout: "1m30s",
        max_retry_count: 3,
        start_period: "500ms",
      },
      {
        Test: ["CMD", "curl", "-f", "http://localhost:8080/health"],
        Interval: 30e9,
        Timeout: 90e9,
        Retries: 3,
        StartPeriod: 5e8,
      },
    ],
    [
      "CMD-SHELL list",
      { test: ["CMD-SHELL", "curl -f localhost || exit 1"] },
      { Test: ["CMD-SHELL", "curl -f localhost || exit 1"] },
    ],
    [
      "a string is CMD-SHELL",
      { test: "wget -q localhost:8080" },
      { Test: ["CMD-SHELL", "wget -q localhost:8080"] },
    ],
    ["NONE", { test: ["NONE"] }, { Test: ["NONE"] }],
    ["durations only", { interval: "1h", timeout: "1.5s" }, { Interval: 3600e9, Timeout: 1.5e9 }],
  ])("%s", (_name, healthcheck, expected) => {
    expect(spec({ healthcheck }).create.Healthcheck).toEqual(expected);
  });

  test.each([
    ["30s", 30e9],
    ["1m30s", 90e9],
    ["500ms", 5e8],
    ["1h", 3600e9],
    ["2h45m10s", (2 * 3600 + 45 * 60 + 10) * 1e9],
    ["250us", 250e3],
    ["10ns", 10],
    ["0", 0],
  ])("duration %s", (text, ns) => {
    expect(parseDurationNs(text)).toBe(ns);
  });
});

describe("environment and env_file", () => {
  test.each([
    [
      "a mapping with numbers and booleans",
      { A: "x", PORT: 8080, DEBUG: false },
      ["A=x", "PORT=8080", "DEBUG=false"],
    ],
    ["a list", ["A=x", "B=has=equals", "EMPTY="], ["A=x", "B=has=equals", "EMPTY="]],
  ])("%s", (_name, environment, env) => {
    expect(spec({ environment }).create.Env).toEqual(env);
  });

  test("pass-through entries take the runtime's value, or are left out", () => {
    const { create } = spec({ environment: ["TOKEN", "MISSING"] }, { env: { TOKEN: "t" } });
    expect(create.Env).toEqual(["TOKEN=t"]);
    expect(spec({ environment: { TOKEN: null } }, { env: { TOKEN: "t" } }).create.Env).toEqual(["TOKEN=t"]);
  });

  test("precedence: runtime env < env_file (later files win) < environment", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mc-envfile-"));
    try {
      writeFileSync(path.join(dir, "base.env"), '# comment\nA=file\nB=file\nC=file\nQUOTED="two words"\n');
      writeFileSync(path.join(dir, "override.env"), "B=override\n");
      const { create } = spec(
        { env_file: ["base.env", "./override.env"], environment: { C: "environment" } },
        { projectDir: dir, env: { A: "runtime", R: "runtime" } },
      );
      expect(Object.fromEntries((create.Env ?? []).map((e) => e.split(/=(.*)/s).slice(0, 2)))).toEqual({
        A: "file",
        B: "override",
        C: "environment",
        QUOTED: "two words",
        R: "runtime",
      });
      expect(spec({ env_file: "base.env" }, { projectDir: dir }).create.Env).toContain("A=file");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a missing env_file is a config error naming env_file and the path", () => {
    expect(() => spec({ env_file: "nope.env" })).toThrow(
      /env_file: cannot read env file \/srv\/project\/nope\.env: file not found/,
    );
  });

  test("an env_file line that is not KEY=VALUE is an error naming the file and line", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mc-envfile-"));
    try {
      writeFileSync(path.join(dir, "bad.env"), "A=1\nnot a variable\n");
      expect(() => spec({ env_file: "bad.env" }, { projectDir: dir })).toThrow(
        `${path.join(dir, "bad.env")}:2:1: expected KEY=VALUE, found "not a variable"`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("keyValueRecord", () => {
    expect(keyValueRecord(["A=1", "B"], { B: "2" })).toEqual({ A: "1", B: "2" });
    expect(keyValueRecord({ A: 1, B: null })).toEqual({ A: "1" });
  });
});

describe("buildSpec", () => {
  test("all build options", () => {
    const options = v.parse(DockerRuntimeOptionsSchema, {
      type: "docker",
      build: {
        context: "./docker",
        dockerfile: "images/Dockerfile.prod",
        args: { BUN_VERSION: "1.4.5", WORKERS: 4 },
        target: "runtime",
        cache_from: ["registry.local/demo:cache", "demo:previous"],
        labels: ["org.opencontainers.image.title=demo"],
        network: "host",
        pull: true,
      },
    });
    expect(
      buildSpec(options, {
        projectDir: "/srv/project",
        image: "demo:1",
        labels: { [PROJECT_LABEL]: "demo" },
      }),
    ).toEqual({
      context: "/srv/project/docker",
      dockerfile: "images/Dockerfile.prod",
      options: {
        t: "demo:1",
        dockerfile: "images/Dockerfile.prod",
        rm: true,
        forcerm: true,
        buildargs: { BUN_VERSION: "1.4.5", WORKERS: "4" },
        target: "runtime",
        cachefrom: '["registry.local/demo:cache","demo:previous"]',
        labels: { "org.opencontainers.image.title": "demo", [PROJECT_LABEL]: "demo" },
        networkmode: "host",
        pull: true,
      },
    });
  });

  test("defaults, the string form, and args as a list", () => {
    const spec1 = buildSpec(v.parse(DockerRuntimeOptionsSchema, { type: "docker", build: {} }), {
      projectDir: "/p",
      image: "i",
    });
    expect(spec1).toEqual({
      context: "/p",
      dockerfile: "Dockerfile",
      options: { t: "i", dockerfile: "Dockerfile", rm: true, forcerm: true },
    });
    const spec2 = buildSpec(v.parse(DockerRuntimeOptionsSchema, { type: "docker", build: "ctx" }), {
      projectDir: "/p",
      image: "i",
    });
    expect(spec2?.context).toBe("/p/ctx");
    const spec3 = buildSpec(
      v.parse(DockerRuntimeOptionsSchema, {
        type: "docker",
        build: { args: ["A=1", "B=x=y"], cache_from: "c:1" },
      }),
      { projectDir: "/p", image: "i" },
    );
    expect(spec3?.options.buildargs).toEqual({ A: "1", B: "x=y" });
    expect(spec3?.options.cachefrom).toBe('["c:1"]');
  });

  test("no build: undefined; a Dockerfile outside the context: a config error", () => {
    expect(
      buildSpec(v.parse(DockerRuntimeOptionsSchema, "docker"), { projectDir: "/p", image: "i" }),
    ).toBeUndefined();
    const outside = v.parse(DockerRuntimeOptionsSchema, {
      type: "docker",
      build: { context: "sub", dockerfile: "../Dockerfile" },
    });
    expect(() => buildSpec(outside, { projectDir: "/p", image: "i" })).toThrow(
      /build\.dockerfile: .*outside the build context/,
    );
  });
});

describe("schema errors name the option and say what was expected", () => {
  const cases: Array<[string, Record<string, unknown> | unknown, RegExp]> = [
    [
      "mem_limit unit",
      { mem_limit: "2x" },
      /^mem_limit: expected a size like 512m or 2g .*found the string "2x"$/,
    ],
    [
      "mem_limit negative",
      { mem_limit: -5 },
      /^mem_limit: expected a size like 512m or 2g.*found the number -5/,
    ],
    ["mem_limit shape", { mem_limit: ["1g"] }, /^mem_limit: expected a size like 512m or 2g, found a list/],
    [
      "memswap_limit unit",
      { mem_limit: "1g", memswap_limit: "lots" },
      /^memswap_limit: expected a size .*found the string "lots"/,
    ],
    [
      "memswap_limit below mem_limit",
      { mem_limit: "2g", memswap_limit: "1g" },
      /^memswap_limit: .*must be at least mem_limit/,
    ],
    [
      "memswap_limit without mem_limit",
      { memswap_limit: "1g" },
      /^memswap_limit: memswap_limit needs mem_limit/,
    ],
    [
      "cpus",
      { cpus: "two" },
      /^cpus: expected a positive number of CPUs like 2\.0 or 0\.5, found the string "two"/,
    ],
    ["cpus zero", { cpus: 0 }, /^cpus: expected a positive number of CPUs/],
    ["cpu_shares", { cpu_shares: 1.5 }, /^cpu_shares: expected an integer number of CPU shares/],
    [
      "restart",
      { restart: "sometimes" },
      /^restart: expected one of "no", "always", "on-failure", "unless-stopped" or "on-failure:N", found the string "sometimes"/,
    ],
    [
      "restart on-failure:x",
      { restart: "on-failure:x" },
      /^restart: expected one of .*found the string "on-failure:x"/,
    ],
    ["restart shape", { restart: true }, /^restart: expected one of "no".*found the boolean true/],
    [
      "healthcheck interval unit",
      { healthcheck: { interval: "30x" } },
      /^healthcheck\.interval: expected a duration like 30s, 1m30s or 500ms, found the string "30x"/,
    ],
    [
      "healthcheck interval number",
      { healthcheck: { interval: 30 } },
      /^healthcheck\.interval: .*found the number 30 \(add a unit, e\.g\. 30s\)/,
    ],
    [
      "healthcheck timeout",
      { healthcheck: { timeout: "soon" } },
      /^healthcheck\.timeout: expected a duration/,
    ],
    [
      "healthcheck start_period",
      { healthcheck: { start_period: "1d" } },
      /^healthcheck\.start_period: expected a duration/,
    ],
    [
      "healthcheck retries",
      { healthcheck: { max_retry_count: -1 } },
      /^healthcheck\.max_retry_count: expected a number of retries/,
    ],
    [
      "healthcheck test prefix",
      { healthcheck: { test: ["curl", "-f", "x"] } },
      /^healthcheck\.test: expected \["CMD", "program"/,
    ],
    ["healthcheck test shape", { healthcheck: { test: 5 } }, /^healthcheck\.test: expected a command/],
    [
      "healthcheck unknown key with a hint",
      { healthcheck: { retries: 3 } },
      /^healthcheck\.retries: unknown key "retries"; did you mean "max_retry_count"\?/,
    ],
    ["ports shape", { ports: "5000:8080" }, /^ports: expected a list of ports, found the string "5000:8080"/],
    ["port string", { ports: ["50a0:8080"] }, /^ports\[0\]: expected a port like "5000:8080"/],
    ["port protocol", { ports: ["8080/sctp"] }, /^ports\[0\]: .*protocol must be tcp or udp, found "sctp"/],
    ["port range", { ports: ["70000:8080"] }, /^ports\[0\]: host port "70000" is not a port number/],
    ["port number", { ports: [0] }, /^ports\[0\]: expected a port number 1-65535, found the number 0/],
    [
      "port object protocol",
      { ports: [{ target: 80, protocol: "icmp" }] },
      /^ports\[0\]\.protocol: expected "tcp" or "udp", found the string "icmp"/,
    ],
    [
      "port object mode",
      { ports: [{ target: 80, mode: "bridge" }] },
      /^ports\[0\]\.mode: expected "host" or "ingress"/,
    ],
    [
      "port object target",
      { ports: [{ published: 80 }] },
      /^ports\[0\]\.target: missing required key "target"/,
    ],
    [
      "port object unknown key",
      { ports: [{ target: 80, host: "x" }] },
      /^ports\[0\]\.host: unknown key "host"/,
    ],
    ["port ip", { ports: ["300.0.0.1:80:80"] }, /^ports\[0\]: .*is not an IPv4 address/],
    ["volume shape", { volumes: [5] }, /^volumes\[0\]: expected a volume like/],
    ["volume relative target", { volumes: ["./a:data"] }, /^volumes\[0\]: .*container path must be absolute/],
    ["volume mode", { volumes: ["./a:/a:rx"] }, /^volumes\[0\]: .*unknown mode "rx"/],
    ["volume name", { volumes: ["my data:/data"] }, /^volumes\[0\]: .*neither a path .* nor a volume name/],
    [
      "volume type",
      { volumes: [{ type: "nfs", target: "/x" }] },
      /^volumes\[0\]\.type: expected type "bind", "volume" or "tmpfs", found the string "nfs"/,
    ],
    [
      "volume bind without source",
      { volumes: [{ type: "bind", target: "/x" }] },
      /^volumes\[0\]: a bind volume needs a source/,
    ],
    [
      "volume tmpfs with source",
      { volumes: [{ type: "tmpfs", source: "x", target: "/x" }] },
      /^volumes\[0\]: a tmpfs volume takes no source/,
    ],
    [
      "volume options of another type",
      { volumes: [{ type: "volume", target: "/x", bind: {} }] },
      /^volumes\[0\]: "bind" options only apply to type: bind/,
    ],
    [
      "volume tmpfs mode",
      { volumes: [{ type: "tmpfs", target: "/x", tmpfs: { mode: 1888 } }] },
      /^volumes\[0\]\.tmpfs\.mode: expected a file mode in octal digits/,
    ],
    [
      "volume tmpfs size",
      { volumes: [{ type: "tmpfs", target: "/x", tmpfs: { size: "big" } }] },
      /^volumes\[0\]\.tmpfs\.size: expected a size like 512m/,
    ],
    [
      "volume propagation",
      { volumes: [{ type: "bind", source: "/a", target: "/x", bind: { propagation: "up" } }] },
      /^volumes\[0\]\.bind\.propagation: expected one of private/,
    ],
    [
      "volume nocopy",
      { volumes: [{ type: "volume", target: "/x", volume: { nocopy: "yes" } }] },
      /^volumes\[0\]\.volume\.nocopy: expected true or false, found the string "yes"/,
    ],
    [
      "volume target",
      { volumes: [{ type: "volume", target: "x" }] },
      /^volumes\[0\]\.target: expected an absolute container path, found the string "x"/,
    ],
    [
      "environment shape",
      { environment: "A=1" },
      /^environment: expected environment as a map \(KEY: value\) or a list of "KEY=value" strings, found the string "A=1"/,
    ],
    [
      "environment item",
      { environment: [1] },
      /^environment\[0\]: expected a "KEY=value" string, found the number 1/,
    ],
    [
      "environment value",
      { environment: { A: [1] } },
      /^environment\.A: expected a string or number, found a list/,
    ],
    ["labels value", { labels: { a: { b: 1 } } }, /^labels\.a: expected a string or number, found a map/],
    [
      "env_file shape",
      { env_file: 5 },
      /^env_file: expected an env file path or a list of them, found the number 5/,
    ],
    [
      "command operators",
      { command: "serve && exit" },
      /^command: cannot split "serve && exit" .*shell operator "&&".*\["\/bin\/sh", "-c"/,
    ],
    [
      "entrypoint shape",
      { entrypoint: { a: 1 } },
      /^entrypoint: expected an entrypoint as a string or a list of strings, found a map/,
    ],
    [
      "working_dir relative",
      { working_dir: "app" },
      /^working_dir: expected an absolute path, found the string "app"/,
    ],
    ["user", { user: "a b" }, /^user: expected a user like "1000:1000" or "app", found the string "a b"/],
    ["container_name", { container_name: "-bad name" }, /^container_name: expected a container name/],
    ["hostname", { hostname: "bad_host!" }, /^hostname: expected a hostname/],
    [
      "networks",
      { networks: "front" },
      /^networks: expected a list of network names, found the string "front"/,
    ],
    ["privileged", { privileged: "yes" }, /^privileged: expected true or false, found the string "yes"/],
    ["security_opt", { security_opt: "no-new-privileges" }, /^security_opt: expected a list of strings/],
    [
      "logging options",
      { logging: { options: ["a"] } },
      /^logging\.options: expected a map of driver options, found a list/,
    ],
    ["logging unknown key", { logging: { type: "json-file" } }, /^logging\.type: unknown key "type"/],
    ["build shape", { build: 5 }, /^build: expected build: a context directory or a map, found the number 5/],
    [
      "build unknown key",
      { build: { contxt: "." } },
      /^build\.contxt: unknown key "contxt"; did you mean "context"\?/,
    ],
    [
      "build pull",
      { build: { pull: "always" } },
      /^build\.pull: expected true or false, found the string "always"/,
    ],
    [
      "build cache_from",
      { build: { cache_from: [1] } },
      /^build\.cache_from\[0\]: expected a non-empty string, found the number 1/,
    ],
    ["unknown option", { mem: "1g" }, /^mem: unknown key "mem"; did you mean "mem_limit"\?/],
    ["type", { type: "podman" }, /^type: expected "docker", found the string "podman"/],
  ];
  test.each(cases)("%s", (_name, fields, pattern) => {
    const messages = errorsOf(fields);
    if (!messages.some((m) => pattern.test(m))) console.error(messages);
    expect(messages.some((m) => pattern.test(m))).toBe(true);
  });

  test("a wrong top-level shape", () => {
    expect(errorsOf(5)).toEqual(['expected "docker" or a map with type: docker, found the number 5']);
  });

  test("every problem is reported, not just the first", () => {
    expect(errorsOf({ mem_limit: "2x", cpus: "x", restart: "never" })).toHaveLength(3);
  });

  test("key paths get the caller's prefix", () => {
    expect(() =>
      parseDockerRuntimeOptions({ type: "docker", mem_limit: "2x" }, ["controller", "runtime"]),
    ).toThrow(/^controller\.runtime\.mem_limit: expected a size/);
  });
});

describe("parsers", () => {
  test("parseSize", () => {
    expect(parseSizeBytes("512m")).toBe(536870912);
    expect(parseSizeBytes("2g")).toBe(2147483648);
    expect(parseSizeBytes(" 1 k ".trim())).toBe(1024);
    expect(parseSizeBytes("10")).toBe(10);
    expect(() => parseSizeBytes("2x")).toThrow(
      'expected a size like 512m or 2g (or a number of bytes), found the string "2x"',
    );
    expect(() => parseSizeBytes(-1)).toThrow();
    expect(parseSizeBytes(-1, true)).toBe(-1);
  });

  test("splitCommand", () => {
    expect(splitCommand("a 'b c' \"d e\" f\\ g")).toEqual(["a", "b c", "d e", "f g"]);
    expect(splitCommand("ls *.txt")).toEqual(["ls", "*.txt"]);
    expect(() => splitCommand("a | b")).toThrow(/shell operator "\|"/);
  });
});
