/**
 * Maps validated docker runtime options onto the Docker Engine API: the body of
 * `POST /containers/create` (as dockerode's ContainerCreateOptions) and the query of
 * `POST /build` (as dockerode's ImageBuildOptions). No daemon is contacted here; the
 * only I/O is reading `env_file` files.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type Dockerode from "dockerode";
import { parse as parseDotenv } from "dotenv";
import { ConfigError, checkEnvFileLines } from "../../../runtime/plugin-api.ts";
import type { DockerRuntimeOptions } from "./options.ts";
import { type PortMapping, parsePort } from "./ports.ts";
import {
  parseCpus,
  parseDurationNs,
  parseOctalMode,
  parseRestart,
  parseSizeBytes,
  splitCommand,
} from "./values.ts";
import { expandHome, parseShortVolume } from "./volumes.ts";

/** Label naming the project a container or image belongs to. */
export const PROJECT_LABEL = "com.model-compose.project";
/** Label holding the project's absolute directory (two projects may share a name). */
export const PROJECT_DIR_LABEL = "com.model-compose.project-dir";

/** What the mapping needs besides the options. */
export interface ContainerSpecContext {
  /** Directory that relative host paths (volumes, env_file, build context) resolve against. */
  projectDir: string;
  projectName: string;
  /** The controller's port inside the container; published as the same port when `ports` is omitted. */
  controllerPort: number;
  /** The image to run (pulled or built beforehand). */
  image: string;
  /**
   * Variables the runtime sets in the container. They have the lowest precedence
   * (env_file, then environment override them); pass-through entries of
   * `environment` (`- NAME` or `NAME:` with no value) take their value from here.
   */
  env?: Record<string, string>;
  /** Labels the runtime adds (user labels lose to these; the project labels win over all). */
  labels?: Record<string, string>;
  /**
   * The named volume that keeps the project's state (runs.db) across `down` and `up`:
   * mounted at STATE_MOUNT, with MODEL_COMPOSE_STATE_DIR pointing there, unless the
   * user mounts something of their own there (see stateVolumeFor); a user
   * MODEL_COMPOSE_STATE_DIR wins over the variable.
   */
  stateVolume?: string;
}

/** Where the state volume is mounted in the container. */
export const STATE_MOUNT = "/data";
/** The variable that moves the state directory (runtime/state-dir.ts). */
export const STATE_DIR_ENV = "MODEL_COMPOSE_STATE_DIR";

/**
 * The state volume the container gets: none when the user's own `volumes` mount
 * something at STATE_MOUNT — that is their data (the seed's examples mount `data:/data`),
 * not a place to put ours, and it need not be writable by the image's user — so the
 * state then stays in the container's project directory, as without a volume.
 */
export function stateVolumeFor(
  options: DockerRuntimeOptions,
  volume: string | undefined,
): string | undefined {
  return volume !== undefined && !targets(options.volumes).has(STATE_MOUNT) ? volume : undefined;
}

/** The state volume's name for a project: like the image name, from the project's name. */
export function stateVolumeName(projectName: string): string {
  const name =
    projectName
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, "-")
      .replace(/^[^a-z0-9]+/, "")
      .replace(/[^a-z0-9]+$/, "") || "project";
  return `model-compose-${name}-state`;
}

/** A container to create, and the networks to connect it to after creation. */
export interface ContainerSpec {
  create: Dockerode.ContainerCreateOptions;
  /** Networks beyond the first (which is the container's NetworkMode), in order. */
  extraNetworks: string[];
}

/** The labels that identify a project's container, so `down` finds it without a name. */
export function projectLabels(projectName: string, projectDir: string): Record<string, string> {
  return { [PROJECT_LABEL]: projectName, [PROJECT_DIR_LABEL]: path.resolve(projectDir) };
}

type KeyValues = Record<string, string | number | boolean | null> | readonly string[];

/**
 * Flattens a `KEY: value` mapping or a `["KEY=value"]` list into strings. Entries
 * without a value (`- KEY`, `KEY: null`) are looked up in `passThrough`, and left out
 * when it has none.
 */
export function keyValueRecord(
  input: KeyValues | undefined,
  passThrough: Record<string, string> = {},
  bareMeansEmpty = false,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (input === undefined) return out;
  const put = (key: string, value: string | undefined) => {
    if (value !== undefined) out[key] = value;
    else if (bareMeansEmpty) out[key] = "";
    else if (passThrough[key] !== undefined) out[key] = passThrough[key];
  };
  if (Array.isArray(input)) {
    for (const item of input as readonly string[]) {
      const eq = item.indexOf("=");
      if (eq < 0) put(item, undefined);
      else put(item.slice(0, eq), item.slice(eq + 1));
    }
  } else {
    for (const [key, value] of Object.entries(input)) put(key, value === null ? undefined : String(value));
  }
  return out;
}

/** Reads `env_file` files (dotenv format) in order; later files win. */
export function readEnvFiles(
  files: string | readonly string[] | undefined,
  projectDir: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  const list = files === undefined ? [] : typeof files === "string" ? [files] : files;
  for (const file of list) {
    const abs = path.resolve(projectDir, expandHome(file));
    let text: string;
    try {
      text = readFileSync(abs, "utf8");
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message;
      throw new ConfigError(`cannot read env file ${abs}: ${reason}`, undefined, ["env_file"]);
    }
    checkEnvFileLines(text, abs);
    Object.assign(out, parseDotenv(text));
  }
  return out;
}

/** The container paths that `volumes` mount something at. */
function targets(volumes: DockerRuntimeOptions["volumes"]): Set<string> {
  const out = new Set<string>();
  for (const vol of volumes ?? []) {
    const target = typeof vol === "string" ? parseShortVolume(vol).target : vol.target;
    out.add(path.posix.normalize(target).replace(/(.)\/$/, "$1"));
  }
  return out;
}

function portKey(p: Pick<PortMapping, "containerPort" | "protocol">): string {
  return `${p.containerPort}/${p.protocol}`;
}

/**
 * Maps every docker runtime option to the Engine API's container create body:
 * Image, name, Hostname, User, WorkingDir, Cmd, Entrypoint, Env, Labels, ExposedPorts,
 * Volumes, Healthcheck and HostConfig (PortBindings, Binds, Mounts, Memory, MemorySwap,
 * NanoCpus, CpuShares, RestartPolicy, Privileged, SecurityOpt, LogConfig, NetworkMode).
 * Networks after the first are returned in `extraNetworks`, to be connected after
 * creation. Throws a ConfigError when an env_file cannot be read.
 */
export function containerSpec(options: DockerRuntimeOptions, ctx: ContainerSpecContext): ContainerSpec {
  const projectDir = path.resolve(ctx.projectDir);
  const create: Dockerode.ContainerCreateOptions = { Image: ctx.image };
  const host: Dockerode.HostConfig = {};

  if (options.container_name !== undefined) create.name = options.container_name;
  if (options.hostname !== undefined) create.Hostname = options.hostname;
  if (options.user !== undefined) create.User = String(options.user);
  if (options.working_dir !== undefined) create.WorkingDir = options.working_dir;
  if (options.command !== undefined) create.Cmd = splitCommand(options.command);
  if (options.entrypoint !== undefined) create.Entrypoint = splitCommand(options.entrypoint);

  // Environment: runtime variables < env_file < environment.
  const runtimeEnv = { ...ctx.env };
  const stateVolume = stateVolumeFor(options, ctx.stateVolume);
  if (stateVolume !== undefined) runtimeEnv[STATE_DIR_ENV] = STATE_MOUNT;
  else delete runtimeEnv[STATE_DIR_ENV];
  const env: Record<string, string> = {
    ...runtimeEnv,
    ...readEnvFiles(options.env_file, projectDir),
    ...keyValueRecord(options.environment, runtimeEnv),
  };
  const envList = Object.entries(env).map(([k, value]) => `${k}=${value}`);
  if (envList.length > 0) create.Env = envList;

  create.Labels = {
    ...keyValueRecord(options.labels, {}, true),
    ...ctx.labels,
    ...projectLabels(ctx.projectName, projectDir),
  };

  // Ports: every mapping is exposed and published; the controller port is always exposed.
  const mappings = (options.ports ?? [ctx.controllerPort]).flatMap((item) => parsePort(item));
  const exposed: Record<string, object> = { [`${ctx.controllerPort}/tcp`]: {} };
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const m of mappings) {
    exposed[portKey(m)] = {};
    bindings[portKey(m)] ??= [];
    bindings[portKey(m)].push({ HostIp: m.hostIp, HostPort: m.hostPort });
  }
  create.ExposedPorts = exposed;
  if (mappings.length > 0) host.PortBindings = bindings;

  // Volumes: short forms as Binds (named volumes too), long forms as Mounts.
  const binds: string[] = [];
  const mounts: Dockerode.MountSettings[] = [];
  const anonymous: Record<string, object> = {};
  for (const vol of options.volumes ?? []) {
    if (typeof vol === "string") {
      const short = parseShortVolume(vol);
      const suffix = short.mode ? `:${short.mode}` : "";
      if (short.kind === "anonymous") anonymous[short.target] = {};
      else if (short.kind === "bind") {
        binds.push(`${path.resolve(projectDir, expandHome(short.source!))}:${short.target}${suffix}`);
      } else binds.push(`${short.source}:${short.target}${suffix}`);
      continue;
    }
    const mount: Dockerode.MountSettings = { Type: vol.type, Source: "", Target: vol.target };
    if (vol.read_only !== undefined) mount.ReadOnly = vol.read_only;
    if (vol.type === "bind") {
      mount.Source = path.resolve(projectDir, expandHome(vol.source!));
      if (vol.bind?.propagation) mount.BindOptions = { Propagation: vol.bind.propagation };
    } else if (vol.type === "volume") {
      mount.Source = vol.source ?? "";
      if (vol.volume?.nocopy !== undefined) {
        mount.VolumeOptions = { NoCopy: vol.volume.nocopy } as Dockerode.MountSettings["VolumeOptions"];
      }
    } else if (vol.tmpfs) {
      const tmpfs: { SizeBytes?: number; Mode?: number } = {};
      if (vol.tmpfs.size !== undefined) tmpfs.SizeBytes = parseSizeBytes(vol.tmpfs.size);
      if (vol.tmpfs.mode !== undefined) tmpfs.Mode = parseOctalMode(vol.tmpfs.mode);
      mount.TmpfsOptions = tmpfs as Dockerode.MountSettings["TmpfsOptions"];
    }
    mounts.push(mount);
  }
  if (stateVolume !== undefined) binds.push(`${stateVolume}:${STATE_MOUNT}`);
  if (binds.length > 0) host.Binds = binds;
  if (mounts.length > 0) host.Mounts = mounts;
  if (Object.keys(anonymous).length > 0) create.Volumes = anonymous;

  if (options.mem_limit !== undefined) host.Memory = parseSizeBytes(options.mem_limit);
  if (options.memswap_limit !== undefined) host.MemorySwap = parseSizeBytes(options.memswap_limit, true);
  if (options.cpus !== undefined) host.NanoCpus = parseCpus(options.cpus);
  if (options.cpu_shares !== undefined) host.CpuShares = options.cpu_shares;
  if (options.restart !== undefined) {
    const policy = parseRestart(options.restart);
    host.RestartPolicy = { Name: policy.Name, MaximumRetryCount: policy.MaximumRetryCount ?? 0 };
  }
  if (options.privileged !== undefined) host.Privileged = options.privileged;
  if (options.security_opt !== undefined) host.SecurityOpt = [...options.security_opt];
  if (options.logging !== undefined) {
    host.LogConfig = {
      Type: options.logging.driver ?? "",
      Config: keyValueRecord(options.logging.options, {}, true),
    };
  }

  if (options.healthcheck !== undefined) {
    const hc = options.healthcheck;
    const health: Dockerode.HealthConfig = {};
    if (hc.test !== undefined)
      health.Test = typeof hc.test === "string" ? ["CMD-SHELL", hc.test] : [...hc.test];
    if (hc.interval !== undefined) health.Interval = parseDurationNs(hc.interval);
    if (hc.timeout !== undefined) health.Timeout = parseDurationNs(hc.timeout);
    if (hc.max_retry_count !== undefined) health.Retries = hc.max_retry_count;
    if (hc.start_period !== undefined) health.StartPeriod = parseDurationNs(hc.start_period);
    create.Healthcheck = health;
  }

  const networks = options.networks ?? [];
  if (networks.length > 0) host.NetworkMode = networks[0];

  create.HostConfig = host;
  return { create, extraNetworks: networks.slice(1) };
}

/** What `buildSpec` needs besides the options. */
export interface BuildSpecContext {
  projectDir: string;
  /** The tag to give the built image. */
  image: string;
  /** Labels the runtime adds to the image (the build's own labels lose to these). */
  labels?: Record<string, string>;
}

/** An image build: the context directory to send and the query of `POST /build`. */
export interface BuildSpec {
  /** Absolute path of the build context. */
  context: string;
  /** The Dockerfile's path inside the context, with forward slashes. */
  dockerfile: string;
  options: Dockerode.ImageBuildOptions;
}

/**
 * Maps `build` to the build context and the options for `docker.buildImage`
 * (dockerfile, t, buildargs, target, cachefrom as a JSON array, labels, networkmode,
 * pull; intermediate containers are removed). Returns undefined without `build`.
 * Throws a ConfigError when the Dockerfile lies outside the context.
 */
export function buildSpec(options: DockerRuntimeOptions, ctx: BuildSpecContext): BuildSpec | undefined {
  if (options.build === undefined) return undefined;
  const build = typeof options.build === "string" ? { context: options.build } : options.build;
  const context = path.resolve(ctx.projectDir, expandHome(build.context ?? "."));
  const dockerfileAbs = path.resolve(context, build.dockerfile ?? "Dockerfile");
  const dockerfile = path.relative(context, dockerfileAbs);
  if (dockerfile.startsWith("..") || path.isAbsolute(dockerfile)) {
    throw new ConfigError(
      `the Dockerfile ${dockerfileAbs} is outside the build context ${context}`,
      undefined,
      ["build", "dockerfile"],
    );
  }
  const opts: Dockerode.ImageBuildOptions = {
    t: ctx.image,
    dockerfile: dockerfile.split(path.sep).join("/"),
    rm: true,
    forcerm: true,
  };
  const args = keyValueRecord(build.args);
  if (Object.keys(args).length > 0) opts.buildargs = args;
  if (build.target !== undefined) opts.target = build.target;
  if (build.cache_from !== undefined) {
    opts.cachefrom = JSON.stringify(
      typeof build.cache_from === "string" ? [build.cache_from] : build.cache_from,
    );
  }
  const labels = { ...keyValueRecord(build.labels, {}, true), ...ctx.labels };
  if (Object.keys(labels).length > 0) opts.labels = labels;
  if (build.network !== undefined) opts.networkmode = build.network;
  if (build.pull !== undefined) opts.pull = build.pull;
  return { context, dockerfile: opts.dockerfile!, options: opts };
}
