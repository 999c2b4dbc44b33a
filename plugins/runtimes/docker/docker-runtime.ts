/** The docker runtime's lifecycle: image (pull or build), container, logs, stop/remove. */
import { createHash } from "node:crypto";
import type Dockerode from "dockerode";
import type { Project, RuntimeCommandOptions, RuntimeInstance } from "../../../runtime/plugin-api.ts";
import { ConfigError, messageAt } from "../../../runtime/plugin-api.ts";
import { stageContext } from "./build-context.ts";
import {
  buildSpec,
  containerSpec,
  PROJECT_DIR_LABEL,
  projectLabels,
  stateVolumeFor,
  stateVolumeName,
} from "./container-spec.ts";
import { baseImages } from "./dockerfile-bases.ts";
import { DockerEngine, type FoundContainer } from "./engine.ts";
import { missingCurlMessage, usesCurl } from "./healthcheck-curl.ts";
import type { DockerRuntimeOptions } from "./options.ts";
import { startStep } from "./progress-display.ts";
import { resolveRegistryAuth } from "./registry-auth.ts";

const CONTEXT_HASH_LABEL = "com.model-compose.context-hash";
/** What the container was created from (image id, options, environment). */
const CONFIG_HASH_LABEL = "com.model-compose.config-hash";
const HEALTH_TIMEOUT_MS = 120_000;

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

export class DockerRuntime implements RuntimeInstance {
  private readonly engine = new DockerEngine();
  private readonly labels: Record<string, string>;
  /** Whether the image in use was built from the default Dockerfile. */
  private defaultDockerfile = false;

  constructor(
    private readonly options: DockerRuntimeOptions,
    private readonly project: Project,
  ) {
    this.labels = projectLabels(project.name, project.projectDir);
  }

  private defaultImage(): string {
    const name =
      this.project.name
        .toLowerCase()
        .replace(/[^a-z0-9_.-]+/g, "-")
        .replace(/^[^a-z0-9]+/, "") || "project";
    return `model-compose-${name}:local`;
  }

  /** The named volume mounted at /data that keeps runs.db across `down` and `up`. */
  private stateVolume(): string {
    return stateVolumeName(this.project.name);
  }

  private find(): Promise<FoundContainer | undefined> {
    return this.engine.findContainer(this.labels);
  }

  /** Pulls `image`, or builds locally when there is none or the pull fails. */
  private async prepareImage(): Promise<string> {
    const { image } = this.options;
    if (image) {
      try {
        const auth = await resolveRegistryAuth(image);
        const step = await startStep(`pulling ${image}`);
        try {
          await this.engine.pull(image, auth, step.line);
        } catch (error) {
          step.end(false);
          throw error;
        }
        step.end(true, `pulled ${image}`);
        return image;
      } catch (error) {
        say(`pull of ${image} failed (${(error as Error).message.split("\n")[0]}); building it locally`);
      }
    }
    return this.buildImage(image ?? this.defaultImage());
  }

  private async buildImage(tag: string): Promise<string> {
    const build =
      typeof this.options.build === "string" ? { context: this.options.build } : this.options.build;
    const auto = build?.context === undefined;
    this.defaultDockerfile = auto && !build?.dockerfile;
    const staged = await stageContext(this.project, auto ? build?.dockerfile : undefined);
    const options: DockerRuntimeOptions = auto
      ? { ...this.options, build: { ...(build ?? {}), context: staged.dir, dockerfile: staged.dockerfile } }
      : this.options;
    const spec = buildSpec(options, {
      projectDir: this.project.projectDir,
      image: tag,
      labels: this.labels,
    })!;
    spec.options.buildargs = {
      CONTROLLER_PORT: String(this.project.controller.port),
      ...(auto ? {} : { MC_DIR: ".docker" }),
      ...(spec.options.buildargs ?? {}),
    };
    // What the image is made of: the staged files, the build settings that shape it (a
    // changed build arg or target must rebuild as surely as a changed file) and the ids
    // of the images it builds FROM (a base rebuilt or re-pulled under the same tag).
    const bases = baseImages(staged.dockerfileText, spec.options.buildargs as Record<string, string>);
    const baseIds = await Promise.all(bases.map(async (b) => (await this.engine.inspectImage(b))?.id ?? b));
    const hash = buildHash([staged.hash, ...baseIds].join("\0"), spec.options);
    spec.options.labels = { ...spec.options.labels, [CONTEXT_HASH_LABEL]: hash };
    // The auto context: rebuild only when something staged or a build setting changed.
    if (auto && !build?.pull) {
      const existing = (await this.engine.inspectImage(tag))?.labels;
      if (existing?.[CONTEXT_HASH_LABEL] === hash) {
        say(`image ${tag} is up to date`);
        return tag;
      }
    }
    const step = await startStep(`building ${tag} from ${spec.context}`);
    try {
      await this.engine.build(spec.context, spec.options, step.line);
    } catch (error) {
      step.end(false);
      throw error;
    }
    step.end(true, `built ${tag}`);
    return tag;
  }

  async up(options: RuntimeCommandOptions): Promise<void> {
    for (const w of this.project.warnings) say(`warning: ${w}`);
    await this.engine.connect();
    const image = await this.prepareImage();
    await this.checkCurl(image);
    // Only an image from the default Dockerfile is known to have /data writable by its
    // user; a pulled image or the user's own Dockerfile keeps its state as before (in
    // the container), as the docs say.
    const stateVolume = stateVolumeFor(this.options, this.defaultDockerfile ? this.stateVolume() : undefined);
    const spec = containerSpec(this.options, {
      projectDir: this.project.projectDir,
      projectName: this.project.name,
      controllerPort: this.project.controller.port,
      image,
      env: this.project.declaredEnv,
      stateVolume,
    });
    // Like `docker compose up`: a container made from the same image and settings is
    // kept (started if stopped); anything else is replaced.
    const imageId = (await this.engine.inspectImage(image))?.id ?? image;
    const configHash = createHash("sha256")
      .update(JSON.stringify({ imageId, create: spec.create, networks: spec.extraNetworks }))
      .digest("hex")
      .slice(0, 16);
    spec.create.Labels = { ...spec.create.Labels, [CONFIG_HASH_LABEL]: configHash };
    if (this.options.networks?.length) await this.engine.ensureNetworks(this.options.networks, this.labels);
    const volume = stateVolume ? await this.engine.ensureVolume(stateVolume, this.labels) : undefined;
    if (volume?.created) say(`volume ${stateVolume} created (the run history; \`down -v\` removes it)`);
    else if (volume) {
      // Named after the project, like Docker Compose's volumes: a same-named project
      // elsewhere shares it. Said, because its history then shows up here.
      const owner = volume.labels[PROJECT_DIR_LABEL];
      if (owner && owner !== this.labels[PROJECT_DIR_LABEL]) {
        say(
          `warning: volume ${this.stateVolume()} was created for the project in ${owner}; its run history is shared with it`,
        );
      }
    }
    const old = await this.find();
    let container: Dockerode.Container;
    const reusable = old && ["running", "created", "exited"].includes(old.state);
    if (old && reusable && !options.forceRecreate && old.labels[CONFIG_HASH_LABEL] === configHash) {
      container = old.container;
      if (old.state === "running") say(`container ${old.name} is up to date`);
      else {
        say(`starting container ${old.name}`);
        await this.engine.start(container);
      }
    } else {
      if (old) {
        say(`replacing container ${old.name}`);
        await this.engine.remove(old.container);
      }
      container = await this.engine.createAndStart(spec.create, spec.extraNetworks);
    }
    const name = (await container.inspect()).Name.replace(/^\//, "");
    if (options.detach) {
      await this.engine.waitHealthy(container, HEALTH_TIMEOUT_MS);
      process.stdout.write(`container ${name} is running (${describePorts(spec.create)})\n`);
      return;
    }
    say(`container ${name} started (${describePorts(spec.create)}); Ctrl+C stops it`);
    await this.follow(container);
  }

  /** Warns when the healthcheck runs curl and the image has none (see healthcheck-curl.ts). */
  private async checkCurl(image: string): Promise<void> {
    if (!usesCurl(this.options.healthcheck?.test)) return;
    if (await this.engine.findProgram(image, "curl")) return;
    const keyPath = ["controller", "runtime", "healthcheck", "test"];
    const defaultImage = this.defaultDockerfile && image === (this.options.image ?? this.defaultImage());
    say(`warning: ${messageAt(this.project, keyPath, missingCurlMessage(image, defaultImage))}`);
  }

  /** Streams the container's logs until it stops, or until Ctrl+C (then stops it). */
  private async follow(container: Dockerode.Container): Promise<void> {
    const abort = new AbortController();
    let stopping: Promise<void> | undefined;
    const onSignal = () => {
      if (stopping) return;
      say("stopping the container");
      stopping = this.engine.stop(
        container,
        Math.ceil(this.project.controller.shutdown_grace_period / 1000) + 5,
      );
      stopping.finally(() => abort.abort());
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      await this.engine.logs(
        container,
        true,
        (line, stream) => (stream === "stderr" ? process.stderr : process.stdout).write(`${line}\n`),
        abort.signal,
      );
      await stopping;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }

  async down(options: RuntimeCommandOptions): Promise<void> {
    await this.engine.connect();
    const found = await this.find();
    if (!found) process.stdout.write("no container for this project\n");
    else {
      if (found.state === "running") await this.engine.stop(found.container);
      await this.engine.remove(found.container);
      process.stdout.write(`container ${found.name} stopped and removed\n`);
    }
    await this.removeNetworks();
    // Like `docker compose down`: the state volume (the run history) stays unless -v.
    if (options.volumes) {
      const outcome = await this.engine.removeVolume(this.stateVolume());
      process.stdout.write(
        outcome === "removed"
          ? `volume ${this.stateVolume()} removed\n`
          : `no volume ${this.stateVolume()}\n`,
      );
    }
  }

  /** Removes the networks `up` created for this project (networks it found are not its own). */
  private async removeNetworks(): Promise<void> {
    const { removed, kept } = await this.engine.removeNetworks(this.labels);
    for (const name of removed) process.stdout.write(`network ${name} removed\n`);
    for (const name of kept) say(`network ${name} is still in use by other containers; left in place`);
  }

  async stop(): Promise<void> {
    await this.engine.connect();
    const found = await this.find();
    if (!found) throw new ConfigError("no container for this project; start one with `model-compose up`");
    await this.engine.stop(found.container);
    process.stdout.write(`container ${found.name} stopped\n`);
  }

  async start(_options: RuntimeCommandOptions): Promise<void> {
    await this.engine.connect();
    const found = await this.find();
    if (!found) throw new ConfigError("no container for this project; create one with `model-compose up`");
    await this.engine.start(found.container);
    // There is no foreground `start`: like `up -d`, it returns once the controller is healthy.
    await this.engine.waitHealthy(found.container, HEALTH_TIMEOUT_MS);
    process.stdout.write(`container ${found.name} started\n`);
  }

  async status(): Promise<string> {
    await this.engine.connect();
    const found = await this.find();
    return found ? `${found.name}: ${found.status}` : "no container";
  }
}

/** A short digest of the staged context's hash and the build options that change the image. */
function buildHash(contextHash: string, options: Dockerode.ImageBuildOptions): string {
  const sorted = (record: Record<string, string> | undefined) =>
    Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const settings = JSON.stringify({
    dockerfile: options.dockerfile,
    buildargs: sorted(options.buildargs as Record<string, string> | undefined),
    target: options.target ?? null,
    labels: sorted(options.labels as Record<string, string> | undefined),
  });
  return createHash("sha256").update(contextHash).update("\0").update(settings).digest("hex").slice(0, 16);
}

function describePorts(create: Dockerode.ContainerCreateOptions): string {
  const bindings = create.HostConfig?.PortBindings ?? {};
  const parts = Object.entries(bindings).flatMap(([port, list]) =>
    (list as Array<{ HostIp?: string; HostPort?: string }>).map(
      (b) => `${b.HostIp || "0.0.0.0"}:${b.HostPort} -> ${port}`,
    ),
  );
  return parts.length ? parts.join(", ") : "no published ports";
}
