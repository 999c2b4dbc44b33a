/**
 * A small layer over dockerode for what the docker runtime does: connect, pull or
 * build an image, create and start the controller's container, follow its logs,
 * wait until it is healthy, and stop, start or remove it. Every call to the daemon
 * goes through `attempt` (connection.ts), so errors say what failed in words a user
 * can act on, with the daemon's own message.
 *
 * A little over 400 lines: one method per daemon operation the runtime uses, each short;
 * the connection, stream reading and health waiting already live beside it.
 */
import Dockerode from "dockerode";
import {
  attempt,
  type DockerConnection,
  dockerConnection,
  dockerErrorMessage,
  unreachable,
} from "./connection.ts";
import type { RegistryAuth } from "./registry-auth.ts";
import {
  jsonLines,
  type LogLineFn,
  LogSplitter,
  listContext,
  type ProgressFn,
  progressError,
} from "./streams.ts";
import { type WaitHealthyOptions, waitHealthy } from "./wait-healthy.ts";

export type { LogLineFn, ProgressFn } from "./streams.ts";

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

/** `KEY=value` filters for the Engine API's list calls. */
const labelFilter = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`);

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
      throw unreachable(this.connection, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An image's id and labels, or undefined when there is no such image here. */
  async inspectImage(image: string): Promise<{ id: string; labels: Record<string, string> } | undefined> {
    const info = await attempt(`inspect image ${image}`, () => this.docker.getImage(image).inspect(), {
      404: undefined,
    });
    return info && { id: info.Id, labels: (info.Config?.Labels ?? {}) as Record<string, string> };
  }

  /**
   * Where `program` is in an image: the first directory of the image's PATH that holds
   * it, or undefined. The image's files are read through a container that is created
   * for this, never started, and removed again.
   */
  async findProgram(image: string, program: string): Promise<string | undefined> {
    const what = `look for ${program} in image ${image}`;
    const info = await attempt(what, () => this.docker.getImage(image).inspect());
    const pathVar = (info.Config?.Env ?? []).find((e) => e.startsWith("PATH="))?.slice(5);
    const dirs = (pathVar ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":");
    const container = await attempt(what, () =>
      this.docker.createContainer({ Image: image, Entrypoint: ["/bin/true"], Cmd: [] }),
    );
    try {
      for (const dir of dirs.filter((d) => d.startsWith("/"))) {
        const candidate = `${dir.replace(/\/+$/, "")}/${program}`;
        // A GET of the file as a tar stream, dropped at once: HEAD (infoArchive) leaves
        // its connection open, and the process would not exit.
        const tar = await attempt(
          what,
          async () => (await container.getArchive({ path: candidate })) as NodeJS.ReadableStream | undefined,
          { 404: undefined },
        );
        if (tar) {
          (tar as { destroy?: () => void }).destroy?.();
          return candidate;
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
    const lastStatus = new Map<string, string>();
    await attempt(`pull ${ref}`, async () => {
      const stream = await this.docker.pull(ref, auth ? { authconfig: auth } : {});
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
    });
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
    const files = await attempt(`read the build context ${contextDir}`, () => listContext(contextDir));
    const what = buildOpts.t ? `image ${buildOpts.t}` : "the image";
    let imageId = "";
    let partial = "";
    await attempt(`build ${what}`, async () => {
      const stream = await this.docker.buildImage({ context: contextDir, src: files }, { ...buildOpts });
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
    });
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
      typeof query === "string" ? { name: [query] } : { label: labelFilter(query) };
    let list = await attempt("list containers", () => this.docker.listContainers({ all: true, filters }));
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
      const network = this.docker.getNetwork(name);
      const found = await attempt(`inspect network ${name}`, () => network.inspect(), { 404: undefined });
      if (found) continue;
      // 409: created meanwhile by someone else, which is as good.
      await attempt(
        `create network ${name}`,
        () =>
          this.docker.createNetwork({ Name: name, Driver: "bridge", Labels: labels, CheckDuplicate: true }),
        { 409: undefined },
      );
    }
  }

  /**
   * Creates the named volume `name` with `labels` unless it exists. A volume that exists
   * is used as it is, whoever made it (its labels are returned): it holds data to keep.
   */
  async ensureVolume(
    name: string,
    labels: Record<string, string>,
  ): Promise<{ created: true } | { created: false; labels: Record<string, string> }> {
    const found = await attempt(`inspect volume ${name}`, () => this.docker.getVolume(name).inspect(), {
      404: undefined,
    });
    if (found) return { created: false, labels: found.Labels ?? {} };
    // 409: created meanwhile by someone else, which is as good.
    await attempt(`create volume ${name}`, () => this.docker.createVolume({ Name: name, Labels: labels }), {
      409: undefined,
    });
    return { created: true };
  }

  /** Removes the named volume `name`; says whether it was there. A volume in use is an error. */
  async removeVolume(name: string): Promise<"removed" | "gone"> {
    return attempt(
      `remove volume ${name}`,
      async () => {
        await this.docker.getVolume(name).remove();
        return "removed" as const;
      },
      { 404: "gone" } as const,
    );
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
    const list = await attempt("list networks", () =>
      this.docker.listNetworks({ filters: { label: labelFilter(labels) } }),
    );
    for (const network of list) {
      const outcome = await attempt(
        `remove network ${network.Name}`,
        async () => {
          await this.docker.getNetwork(network.Id).remove();
          return "removed" as const;
        },
        { 404: "gone", 403: "in use", 409: "in use" } as const,
      );
      if (outcome === "removed") removed.push(network.Name);
      else if (outcome === "in use") kept.push(network.Name);
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
    const what = spec.name ? `container ${spec.name}` : "the container";
    const container = await attempt(`create ${what} from image ${spec.Image}`, () =>
      this.docker.createContainer({ ...spec }),
    );
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
    const info = await attempt(`read the logs of ${c.id}`, () => c.inspect());
    const splitter = new LogSplitter(Boolean(info.Config?.Tty), onLine);
    const base = { stdout: true, stderr: true, ...(tail !== undefined ? { tail } : {}) };
    if (!follow) {
      const data = (await attempt(`read the logs of ${c.id}`, () =>
        c.logs({ ...base, follow: false }),
      )) as unknown as Buffer;
      splitter.push(Buffer.isBuffer(data) ? data : Buffer.from(String(data)));
      splitter.end();
      return;
    }
    const stream = (await attempt(`follow the logs of ${c.id}`, () =>
      c.logs({ ...base, follow: true }),
    )) as unknown as NodeJS.ReadableStream;
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

  /** Waits until the container is healthy (or, without a healthcheck, keeps running); see wait-healthy.ts. */
  async waitHealthy(
    container: ContainerRef,
    timeoutMs: number,
    options: WaitHealthyOptions = {},
  ): Promise<void> {
    const c = this.ref(container);
    await waitHealthy(c, timeoutMs, (count) => this.lastLogLines(c, count), options);
  }

  /** Stops a container (SIGTERM, then SIGKILL after `timeoutSeconds`); a stopped one is fine. */
  async stop(container: ContainerRef, timeoutSeconds = 10): Promise<void> {
    const c = this.ref(container);
    await attempt(`stop container ${c.id}`, () => c.stop({ t: timeoutSeconds }), { 304: undefined });
  }

  /** Starts a stopped container; a running one is fine. */
  async start(container: ContainerRef): Promise<void> {
    const c = this.ref(container);
    await attempt(`start container ${c.id}`, () => c.start(), { 304: undefined });
  }

  /**
   * Removes a container, stopping it first if it runs; one that is already gone is
   * fine. `removeVolumes` also removes its anonymous volumes.
   */
  async remove(container: ContainerRef, removeVolumes = false): Promise<void> {
    const c = this.ref(container);
    await attempt(`remove container ${c.id}`, () => c.remove({ force: true, v: removeVolumes }), {
      404: undefined,
    });
  }
}
