/**
 * A small layer over dockerode for what the docker runtime does: connect, pull or
 * build an image, create and start the controller's container, follow its logs,
 * wait until it is healthy, and stop, start or remove it. Errors say what failed in
 * words a user can act on, with the daemon's own message.
 */
import { existsSync, readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { homedir } from "node:os";
import * as path from "node:path";
import Dockerode from "dockerode";
import type { RegistryAuth } from "./registry-auth.ts";

/** Receives short human-readable progress lines (layer status, build output). */
export type ProgressFn = (line: string) => void;

/** Receives one line of a container's output. */
export type LogLineFn = (line: string, stream: "stdout" | "stderr") => void;

/** How to reach the daemon, and how to say so in errors. */
export interface DockerConnection {
  options: Dockerode.DockerOptions;
  /** E.g. `unix:///var/run/docker.sock` or `tcp://10.0.0.5:2376 (TLS)`. */
  description: string;
  /** Where the address came from: `DOCKER_HOST` or `the default socket`. */
  source: string;
}

/**
 * Works out the daemon's address like the docker CLI: `DOCKER_HOST` (unix://,
 * npipe://, tcp://, http(s)://, ssh://; TLS with DOCKER_TLS_VERIFY=1, port 2376 or
 * https://, certificates from DOCKER_CERT_PATH), else `~/.docker/run/docker.sock`
 * when it exists, else `/var/run/docker.sock`.
 */
export function dockerConnection(
  dockerHost: string | undefined,
  env: Record<string, string | undefined> = process.env,
): DockerConnection {
  if (!dockerHost) {
    const userSocket = path.join(env.HOME || homedir(), ".docker", "run", "docker.sock");
    const socketPath = existsSync(userSocket) ? userSocket : "/var/run/docker.sock";
    return { options: { socketPath }, description: `unix://${socketPath}`, source: "the default socket" };
  }
  const source = "DOCKER_HOST";
  if (dockerHost.startsWith("unix://") || dockerHost.startsWith("npipe://")) {
    const socketPath = dockerHost.replace(/^[a-z]+:\/\//, "");
    if (!socketPath) throw new Error(`DOCKER_HOST=${dockerHost} names no socket path`);
    return { options: { socketPath }, description: dockerHost, source };
  }
  let url: URL;
  try {
    url = new URL(dockerHost.includes("://") ? dockerHost : `tcp://${dockerHost}`);
  } catch {
    throw new Error(
      `DOCKER_HOST=${dockerHost} is not an address like unix:///var/run/docker.sock or tcp://host:2376`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (url.protocol === "ssh:") {
    const options: Dockerode.DockerOptions = { protocol: "ssh", host, port: url.port || 22 };
    if (url.username) options.username = decodeURIComponent(url.username);
    if (env.SSH_AUTH_SOCK) options.sshOptions = { agent: env.SSH_AUTH_SOCK };
    return { options, description: dockerHost, source };
  }
  if (!["tcp:", "http:", "https:"].includes(url.protocol)) {
    throw new Error(
      `DOCKER_HOST=${dockerHost}: unsupported scheme ${url.protocol} (use unix://, tcp:// or ssh://)`,
    );
  }
  const tls = url.protocol === "https:" || env.DOCKER_TLS_VERIFY === "1" || url.port === "2376";
  const port = url.port || (tls ? "2376" : "2375");
  const options: Dockerode.DockerOptions = { protocol: tls ? "https" : "http", host, port };
  if (tls && env.DOCKER_CERT_PATH) {
    try {
      options.ca = readFileSync(path.join(env.DOCKER_CERT_PATH, "ca.pem"));
      options.cert = readFileSync(path.join(env.DOCKER_CERT_PATH, "cert.pem"));
      options.key = readFileSync(path.join(env.DOCKER_CERT_PATH, "key.pem"));
    } catch (error) {
      throw new Error(`cannot read the TLS certificates in DOCKER_CERT_PATH: ${(error as Error).message}`);
    }
  }
  return { options, description: `${tls ? "https" : "tcp"}://${host}:${port}${tls ? " (TLS)" : ""}`, source };
}

/** The daemon's message in a dockerode error, else the error's own. */
export function dockerErrorMessage(error: unknown): string {
  const e = error as { json?: { message?: string } | string; message?: string; reason?: string };
  if (e?.json && typeof e.json === "object" && e.json.message) return e.json.message;
  if (typeof e?.json === "string" && e.json.trim()) return e.json.trim();
  if (e?.message) return e.message.replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
  return String(error);
}

function statusCode(error: unknown): number | undefined {
  return (error as { statusCode?: number })?.statusCode;
}

/** A container found by labels or name. */
export interface FoundContainer {
  id: string;
  /** Without the leading slash. */
  name: string;
  /** created, running, paused, restarting, exited, dead. */
  state: string;
  /** Docker's human-readable status, e.g. "Up 3 minutes (healthy)". */
  status: string;
  image: string;
  labels: Record<string, string>;
  container: Dockerode.Container;
}

/** Options for the engine; everything defaults to the process environment. */
export interface DockerEngineOptions {
  /** The daemon's address; default `DOCKER_HOST`, else the default socket. */
  dockerHost?: string;
  env?: Record<string, string | undefined>;
  /** How long `connect` waits for the daemon's answer (default 10 s). */
  pingTimeoutMs?: number;
}

type ContainerRef = Dockerode.Container | string;

/** Splits a Docker JSON-lines progress stream and hands each parsed message on. */
function jsonLines(
  stream: NodeJS.ReadableStream,
  onMessage: (msg: Record<string, unknown>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    let failed = false;
    const handle = (line: string) => {
      if (!line.trim() || failed) return;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      try {
        onMessage(msg);
      } catch (error) {
        failed = true;
        (stream as { destroy?: () => void }).destroy?.();
        reject(error);
      }
    };
    stream.on("data", (chunk: Buffer | string) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) handle(line);
    });
    let ended = false;
    stream.on("end", () => {
      ended = true;
      handle(buffer);
      if (!failed) resolve();
    });
    stream.on("close", () => {
      if (ended || failed) return;
      failed = true;
      reject(new Error("the Docker daemon closed the connection before the operation finished"));
    });
    stream.on("error", (error: Error) => {
      if (!failed) reject(error);
      failed = true;
    });
  });
}

/** The error text of a progress message (`{error, errorDetail: {message}}`), if any. */
function progressError(msg: Record<string, unknown>): string | undefined {
  const detail = msg.errorDetail as { message?: string } | undefined;
  if (detail?.message) return detail.message;
  if (typeof msg.error === "string") return msg.error;
  return undefined;
}

/** Lists a directory's files (and empty directories) recursively, relative, with `/`. */
async function listContext(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true });
    if (entries.length === 0 && rel) out.push(rel);
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else out.push(child);
    }
  };
  await walk("");
  return out;
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into stdout/stderr lines. */
class LogSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private partial: Record<"stdout" | "stderr", string> = { stdout: "", stderr: "" };

  constructor(
    private readonly tty: boolean,
    private readonly onLine: LogLineFn,
  ) {}

  push(chunk: Buffer): void {
    if (this.tty) {
      this.text("stdout", chunk.toString("utf8"));
      return;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const kind = this.pending[0] === 2 ? "stderr" : "stdout";
      this.text(kind, this.pending.subarray(8, 8 + size).toString("utf8"));
      this.pending = this.pending.subarray(8 + size);
    }
  }

  end(): void {
    for (const kind of ["stdout", "stderr"] as const) {
      if (this.partial[kind]) this.onLine(this.partial[kind], kind);
      this.partial[kind] = "";
    }
  }

  private text(kind: "stdout" | "stderr", text: string): void {
    const lines = (this.partial[kind] + text).split("\n");
    this.partial[kind] = lines.pop() ?? "";
    for (const line of lines) this.onLine(line.replace(/\r$/, ""), kind);
  }
}

/** The docker runtime's view of a Docker daemon. */
export class DockerEngine {
  readonly docker: Dockerode;
  readonly connection: DockerConnection;
  private readonly pingTimeoutMs: number;

  /** Prepares a client; nothing is contacted until `connect`. */
  constructor(options: DockerEngineOptions = {}) {
    const env = options.env ?? process.env;
    this.connection = dockerConnection(options.dockerHost ?? env.DOCKER_HOST, env);
    this.docker = new Dockerode(this.connection.options);
    this.pingTimeoutMs = options.pingTimeoutMs ?? 10_000;
  }

  /**
   * Checks that the daemon answers. Throws an Error that names the address tried and
   * how to check the daemon (docker info, is dockerd running, socket permissions).
   */
  async connect(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.docker.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.pingTimeoutMs / 1000} s`)),
            this.pingTimeoutMs,
          );
        }),
      ]);
    } catch (error) {
      const { description, source, options } = this.connection;
      const reason = dockerErrorMessage(error);
      const hints = ["run `docker info` to see whether the daemon answers", "check that dockerd is running"];
      if (options.socketPath) {
        hints.push(
          `check that the socket ${options.socketPath} exists and that you may use it (permissions on ${options.socketPath}; membership of the docker group)`,
        );
      }
      hints.push(
        source === "DOCKER_HOST"
          ? "check DOCKER_HOST, or unset it to use /var/run/docker.sock"
          : "set DOCKER_HOST if the daemon listens elsewhere",
      );
      throw new Error(
        `cannot connect to the Docker daemon at ${description} (${source}): ${reason}. ${hints.join("; ")}`,
        {
          cause: error,
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** True when the image is present in the daemon. */
  async imageExists(image: string): Promise<boolean> {
    return (await this.inspectImage(image)) !== undefined;
  }

  /** An image's id and labels, or undefined when there is no such image here. */
  async inspectImage(image: string): Promise<{ id: string; labels: Record<string, string> } | undefined> {
    try {
      const info = await this.docker.getImage(image).inspect();
      return { id: info.Id, labels: (info.Config?.Labels ?? {}) as Record<string, string> };
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw new Error(`cannot inspect image ${image}: ${dockerErrorMessage(error)}`, { cause: error });
    }
  }

  /**
   * Where `program` is in an image: the first directory of the image's PATH that holds
   * it, or undefined. The image's files are read through a container that is created
   * for this, never started, and removed again.
   */
  async findProgram(image: string, program: string): Promise<string | undefined> {
    let container: Dockerode.Container;
    let dirs: string[];
    try {
      const info = await this.docker.getImage(image).inspect();
      const pathVar = (info.Config?.Env ?? []).find((e) => e.startsWith("PATH="))?.slice(5);
      dirs = (pathVar ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":");
      container = await this.docker.createContainer({ Image: image, Entrypoint: ["/bin/true"], Cmd: [] });
    } catch (error) {
      throw new Error(`cannot look for ${program} in image ${image}: ${dockerErrorMessage(error)}`, {
        cause: error,
      });
    }
    try {
      for (const dir of dirs.filter((d) => d.startsWith("/"))) {
        const candidate = `${dir.replace(/\/+$/, "")}/${program}`;
        try {
          // A GET of the file as a tar stream, dropped at once: HEAD (infoArchive) leaves
          // its connection open, and the process would not exit.
          const tar = (await container.getArchive({ path: candidate })) as NodeJS.ReadableStream & {
            destroy?: () => void;
          };
          tar.destroy?.();
          return candidate;
        } catch (error) {
          if (statusCode(error) !== 404) {
            throw new Error(`cannot look for ${program} in image ${image}: ${dockerErrorMessage(error)}`, {
              cause: error,
            });
          }
        }
      }
      return undefined;
    } finally {
      await container.remove({ force: true, v: true }).catch(() => {});
    }
  }

  /**
   * Pulls an image; resolves when the pull has finished. `onProgress` gets one line per
   * layer status change (`3f4ca61aafcd: Pull complete`). Rejects with the registry's
   * error when the image cannot be pulled.
   */
  async pull(image: string, auth?: RegistryAuth, onProgress?: ProgressFn): Promise<void> {
    const ref = /[:@][^/]+$/.test(image) ? image : `${image}:latest`;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(ref, auth ? { authconfig: auth } : {});
    } catch (error) {
      throw new Error(`cannot pull ${ref}: ${dockerErrorMessage(error)}`, { cause: error });
    }
    const lastStatus = new Map<string, string>();
    try {
      await jsonLines(stream, (msg) => {
        const failure = progressError(msg);
        if (failure) throw new Error(failure);
        const status = typeof msg.status === "string" ? msg.status : undefined;
        if (!status) return;
        const id = typeof msg.id === "string" ? msg.id : "";
        if (id && lastStatus.get(id) === status) return;
        if (id) lastStatus.set(id, status);
        onProgress?.(id && id !== ref.split(":").pop() ? `${id}: ${status}` : status);
      });
    } catch (error) {
      throw new Error(`cannot pull ${ref}: ${dockerErrorMessage(error)}`, { cause: error });
    }
  }

  /**
   * Builds an image from `contextDir` (every file is sent, minus `.dockerignore`
   * matches) with the options from `buildSpec`. `onProgress` gets the build's output
   * lines. Resolves with the image id; rejects with the failing step's error.
   */
  async build(
    contextDir: string,
    buildOpts: Dockerode.ImageBuildOptions,
    onProgress?: ProgressFn,
  ): Promise<string> {
    let files: string[];
    try {
      files = await listContext(contextDir);
    } catch (error) {
      throw new Error(`cannot read the build context ${contextDir}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const what = buildOpts.t ? `image ${buildOpts.t}` : "the image";
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.buildImage({ context: contextDir, src: files }, { ...buildOpts });
    } catch (error) {
      throw new Error(`cannot build ${what}: ${dockerErrorMessage(error)}`, { cause: error });
    }
    let imageId = "";
    let partial = "";
    try {
      await jsonLines(stream, (msg) => {
        const failure = progressError(msg);
        if (failure) throw new Error(failure);
        const aux = msg.aux as { ID?: string } | undefined;
        if (aux?.ID) imageId = aux.ID;
        const text =
          typeof msg.stream === "string"
            ? msg.stream
            : typeof msg.status === "string"
              ? `${msg.status}\n`
              : "";
        const lines = (partial + text).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) if (line.trim()) onProgress?.(line.trimEnd());
      });
    } catch (error) {
      throw new Error(`cannot build ${what}: ${dockerErrorMessage(error)}`, { cause: error });
    }
    if (partial.trim()) onProgress?.(partial.trimEnd());
    if (!imageId && buildOpts.t) {
      const info = await this.docker.getImage(buildOpts.t).inspect();
      imageId = info.Id;
    }
    return imageId;
  }

  /**
   * Finds a container (running or not) by name, or by labels (all must match). When
   * several match labels, a running one is preferred, then the newest.
   */
  async findContainer(query: Record<string, string> | string): Promise<FoundContainer | undefined> {
    const filters: Record<string, string[]> =
      typeof query === "string"
        ? { name: [query] }
        : { label: Object.entries(query).map(([k, value]) => `${k}=${value}`) };
    let list: Dockerode.ContainerInfo[];
    try {
      list = await this.docker.listContainers({ all: true, filters });
    } catch (error) {
      throw new Error(`cannot list containers: ${dockerErrorMessage(error)}`, { cause: error });
    }
    if (typeof query === "string") {
      const wanted = `/${query.replace(/^\//, "")}`;
      list = list.filter((c) => c.Names.includes(wanted));
    }
    list.sort(
      (a, b) => Number(b.State === "running") - Number(a.State === "running") || b.Created - a.Created,
    );
    const c = list[0];
    if (!c) return undefined;
    return {
      id: c.Id,
      name: (c.Names[0] ?? "").replace(/^\//, ""),
      state: c.State,
      status: c.Status,
      image: c.Image,
      labels: c.Labels ?? {},
      container: this.docker.getContainer(c.Id),
    };
  }

  /** Creates the networks that do not exist yet (bridge driver), with `labels`. */
  async ensureNetworks(names: readonly string[], labels: Record<string, string> = {}): Promise<void> {
    for (const name of names) {
      try {
        await this.docker.getNetwork(name).inspect();
        continue;
      } catch (error) {
        if (statusCode(error) !== 404) {
          throw new Error(`cannot inspect network ${name}: ${dockerErrorMessage(error)}`, { cause: error });
        }
      }
      try {
        await this.docker.createNetwork({
          Name: name,
          Driver: "bridge",
          Labels: labels,
          CheckDuplicate: true,
        });
      } catch (error) {
        if (statusCode(error) !== 409) {
          throw new Error(`cannot create network ${name}: ${dockerErrorMessage(error)}`, { cause: error });
        }
      }
    }
  }

  /**
   * Removes the networks that carry all of `labels` (those `ensureNetworks` created for a
   * project). A network another container still uses is left in place. Returns the
   * names removed and the names kept.
   */
  async removeNetworks(labels: Record<string, string>): Promise<{ removed: string[]; kept: string[] }> {
    const removed: string[] = [];
    const kept: string[] = [];
    if (Object.keys(labels).length === 0) return { removed, kept };
    let list: Dockerode.NetworkInspectInfo[];
    try {
      list = await this.docker.listNetworks({
        filters: { label: Object.entries(labels).map(([k, value]) => `${k}=${value}`) },
      });
    } catch (error) {
      throw new Error(`cannot list networks: ${dockerErrorMessage(error)}`, { cause: error });
    }
    for (const network of list) {
      try {
        await this.docker.getNetwork(network.Id).remove();
        removed.push(network.Name);
      } catch (error) {
        const code = statusCode(error);
        if (code === 404) continue;
        if (code === 403 || code === 409) {
          kept.push(network.Name);
          continue;
        }
        throw new Error(`cannot remove network ${network.Name}: ${dockerErrorMessage(error)}`, {
          cause: error,
        });
      }
    }
    return { removed, kept };
  }

  /**
   * Creates a container from `spec` (see `containerSpec`), connects it to
   * `extraNetworks`, and starts it. When a step after creation fails the container is
   * removed again, so a retry does not trip over its name.
   */
  async createAndStart(
    spec: Dockerode.ContainerCreateOptions,
    extraNetworks: readonly string[] = [],
  ): Promise<Dockerode.Container> {
    let container: Dockerode.Container;
    const what = spec.name ? `container ${spec.name}` : "the container";
    try {
      container = await this.docker.createContainer({ ...spec });
    } catch (error) {
      throw new Error(`cannot create ${what} from image ${spec.Image}: ${dockerErrorMessage(error)}`, {
        cause: error,
      });
    }
    let step = "";
    try {
      for (const network of extraNetworks) {
        step = `connect it to network ${network}`;
        await this.docker.getNetwork(network).connect({ Container: container.id });
      }
      step = "start it";
      await container.start();
      return container;
    } catch (error) {
      await container.remove({ force: true, v: false }).catch(() => {});
      throw new Error(`created ${what} but could not ${step}: ${dockerErrorMessage(error)}`, {
        cause: error,
      });
    }
  }

  private ref(container: ContainerRef): Dockerode.Container {
    return typeof container === "string" ? this.docker.getContainer(container) : container;
  }

  /**
   * Reads a container's output line by line. With `follow` it keeps reading until the
   * container stops or `signal` aborts (then it resolves); without, it reads what there
   * is (`tail` limits it to the last lines) and resolves.
   */
  async logs(
    container: ContainerRef,
    follow: boolean,
    onLine: LogLineFn,
    signal?: AbortSignal,
    tail?: number,
  ): Promise<void> {
    const c = this.ref(container);
    if (signal?.aborted) return;
    let tty = false;
    try {
      tty = Boolean((await c.inspect()).Config?.Tty);
    } catch (error) {
      throw new Error(`cannot read the logs of ${c.id}: ${dockerErrorMessage(error)}`, { cause: error });
    }
    const splitter = new LogSplitter(tty, onLine);
    const base = { stdout: true, stderr: true, ...(tail !== undefined ? { tail } : {}) };
    if (!follow) {
      let data: Buffer;
      try {
        data = (await c.logs({ ...base, follow: false })) as unknown as Buffer;
      } catch (error) {
        throw new Error(`cannot read the logs of ${c.id}: ${dockerErrorMessage(error)}`, { cause: error });
      }
      splitter.push(Buffer.isBuffer(data) ? data : Buffer.from(String(data)));
      splitter.end();
      return;
    }
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await c.logs({ ...base, follow: true })) as unknown as NodeJS.ReadableStream;
    } catch (error) {
      throw new Error(`cannot follow the logs of ${c.id}: ${dockerErrorMessage(error)}`, { cause: error });
    }
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        signal?.removeEventListener("abort", onAbort);
        splitter.end();
        resolve();
      };
      const onAbort = () => {
        (stream as { destroy?: () => void }).destroy?.();
        finish();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) onAbort();
      stream.on("data", (chunk: Buffer) => {
        if (!done) splitter.push(chunk);
      });
      stream.on("end", finish);
      stream.on("close", finish);
      stream.on("error", finish);
    });
  }

  private async lastLogLines(container: Dockerode.Container, count: number): Promise<string[]> {
    const lines: string[] = [];
    try {
      await this.logs(container, false, (line) => lines.push(line), undefined, count);
    } catch {
      // The logs are only decoration for another error.
    }
    return lines.slice(-count);
  }

  /**
   * Waits until the container runs and, when it has a healthcheck, reports healthy;
   * without one, until it has kept running (not restarted) for `settleMs`. Fails early
   * when it exits, restarts or turns unhealthy, with its last log lines (and the last
   * healthcheck output); fails after `timeoutMs` otherwise.
   */
  async waitHealthy(
    container: ContainerRef,
    timeoutMs: number,
    options: { pollMs?: number; settleMs?: number } = {},
  ): Promise<void> {
    const pollMs = options.pollMs ?? 250;
    const settleMs = options.settleMs ?? 1000;
    const c = this.ref(container);
    const deadline = Date.now() + timeoutMs;
    let firstRun: { startedAt: string; restarts: number; seen: number } | undefined;
    for (;;) {
      let info: Dockerode.ContainerInspectInfo;
      try {
        info = await c.inspect();
      } catch (error) {
        throw new Error(`cannot inspect container ${c.id}: ${dockerErrorMessage(error)}`, { cause: error });
      }
      const name = info.Name.replace(/^\//, "") || c.id.slice(0, 12);
      const state = info.State;
      const restarts = (info as { RestartCount?: number }).RestartCount ?? 0;
      const health = (
        state as { Health?: { Status: string; Log?: Array<{ ExitCode: number; Output: string }> } }
      ).Health;
      const lastCheck = () => {
        const last = health?.Log?.at(-1);
        return last ? `; last healthcheck exited ${last.ExitCode}: ${last.Output.trim()}` : "";
      };
      const withLogs = async (message: string) => {
        const lines = await this.lastLogLines(c, 20);
        return new Error(
          lines.length ? `${message}\nlast log lines:\n${lines.join("\n")}` : `${message} (no output)`,
        );
      };
      const restarted =
        firstRun !== undefined && (restarts !== firstRun.restarts || state.StartedAt !== firstRun.startedAt);
      if (state.Restarting || restarted) {
        const exit = state.Restarting ? `last exit code ${state.ExitCode}, ` : "";
        throw await withLogs(
          `container ${name} keeps exiting and restarting (${exit}restarted ${restarts} time${restarts === 1 ? "" : "s"})`,
        );
      }
      if (!state.Running && ["exited", "dead"].includes(state.Status)) {
        const error = state.Error ? `; ${state.Error}` : "";
        throw await withLogs(`container ${name} exited (exit code ${state.ExitCode}${error})`);
      }
      if (state.Running && !state.Paused) {
        firstRun ??= { startedAt: state.StartedAt, restarts, seen: Date.now() };
        if (health?.Status === "healthy") return;
        if (!health && Date.now() - firstRun.seen >= settleMs) return;
        if (health?.Status === "unhealthy")
          throw await withLogs(`container ${name} is unhealthy${lastCheck()}`);
      }
      if (Date.now() >= deadline) {
        if (!health && state.Running) return;
        throw await withLogs(
          `container ${name} did not become ${health ? "healthy" : "running"} within ${Math.round(timeoutMs / 1000)} s (state: ${state.Status}${health ? `, health: ${health.Status}` : ""}${lastCheck()})`,
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
    }
  }

  /** Stops a container (SIGTERM, then SIGKILL after `timeoutSeconds`); a stopped one is fine. */
  async stop(container: ContainerRef, timeoutSeconds = 10): Promise<void> {
    const c = this.ref(container);
    try {
      await c.stop({ t: timeoutSeconds });
    } catch (error) {
      if (statusCode(error) === 304) return;
      throw new Error(`cannot stop container ${c.id}: ${dockerErrorMessage(error)}`, { cause: error });
    }
  }

  /** Starts a stopped container; a running one is fine. */
  async start(container: ContainerRef): Promise<void> {
    const c = this.ref(container);
    try {
      await c.start();
    } catch (error) {
      if (statusCode(error) === 304) return;
      throw new Error(`cannot start container ${c.id}: ${dockerErrorMessage(error)}`, { cause: error });
    }
  }

  /**
   * Removes a container, stopping it first if it runs; one that is already gone is
   * fine. `removeVolumes` also removes its anonymous volumes.
   */
  async remove(container: ContainerRef, removeVolumes = false): Promise<void> {
    const c = this.ref(container);
    try {
      await c.remove({ force: true, v: removeVolumes });
    } catch (error) {
      if (statusCode(error) === 404) return;
      throw new Error(`cannot remove container ${c.id}: ${dockerErrorMessage(error)}`, { cause: error });
    }
  }
}
