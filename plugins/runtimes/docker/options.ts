/**
 * The options of `controller.runtime: docker`. The schema validates every option with
 * the same parsers the container mapping uses (values.ts, ports.ts, volumes.ts), so a
 * value that passes validation always maps; the validated output keeps the shapes the
 * user wrote.
 */
import * as v from "valibot";
import {
  bool,
  ConfigError,
  ConfigErrors,
  describeValue,
  int,
  issueReports,
  type KeyPath,
  keyValues,
  mapping,
  nonEmpty,
  oneOf,
  parses,
  scalar,
  str,
  stringList,
  stringOrList,
} from "../../../runtime/plugin-api.ts";
import { PortSchema } from "./ports.ts";
import {
  absolutePath,
  duration,
  parseCpus,
  parseRestart,
  parseSizeBytes,
  RESTART_POLICIES,
  size,
  splitCommand,
} from "./values.ts";
import { DOCKER_NAME, VolumeSchema } from "./volumes.ts";

const commandSchema = (what: string) =>
  oneOf(
    {
      string: v.pipe(v.string(), parses<string>(splitCommand)),
      list: v.array(str("a string")),
    },
    `${what} as a string or a list of strings`,
  );

const HEALTHCHECK_KINDS = ["CMD", "CMD-SHELL", "NONE"];

const HealthcheckTestSchema = oneOf(
  {
    string: nonEmpty("a shell command"),
    list: v.pipe(
      v.array(str("a string")),
      v.check(
        (test) =>
          HEALTHCHECK_KINDS.includes(test[0] ?? "") &&
          (test[0] === "NONE"
            ? test.length === 1
            : test[0] === "CMD-SHELL"
              ? test.length === 2
              : test.length >= 2),
        (issue) =>
          `expected ["CMD", "program", "arg", ...], ["CMD-SHELL", "command"] or ["NONE"], found ${JSON.stringify(issue.input)}`,
      ),
    ),
  },
  'a command: a list starting with "CMD" or "CMD-SHELL", or a shell command string',
);

const BuildObjectSchema = mapping(
  {
    context: v.optional(nonEmpty("a directory")),
    dockerfile: v.optional(nonEmpty("a Dockerfile path")),
    args: v.optional(keyValues("build args", false)),
    target: v.optional(nonEmpty("a build stage name")),
    cache_from: v.optional(stringOrList("images to use as cache")),
    labels: v.optional(keyValues("labels", false)),
    network: v.optional(nonEmpty("a network name")),
    pull: v.optional(bool()),
  },
  "build (a map)",
);

const DockerRuntimeObjectSchema = v.pipe(
  mapping(
    {
      type: v.optional(
        v.literal("docker", (issue) => `expected "docker", found ${describeValue(issue.input)}`),
        "docker",
      ),
      image: v.optional(nonEmpty("an image name")),
      container_name: v.optional(
        v.pipe(
          str("a container name"),
          v.regex(
            /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/,
            (issue) =>
              `expected a container name of letters, digits, _ . - (at least 2 characters), found ${describeValue(issue.input)}`,
          ),
        ),
      ),
      build: v.optional(
        oneOf(
          { string: nonEmpty("a directory"), map: BuildObjectSchema },
          "build: a context directory or a map",
        ),
      ),
      ports: v.optional(oneOf({ list: v.array(PortSchema) }, "a list of ports")),
      networks: v.optional(
        oneOf(
          {
            list: v.array(
              v.pipe(
                str("a network name"),
                v.regex(
                  DOCKER_NAME,
                  (issue) => `expected a network name, found ${describeValue(issue.input)}`,
                ),
              ),
            ),
          },
          "a list of network names",
        ),
      ),
      hostname: v.optional(
        v.pipe(
          str("a hostname"),
          v.regex(
            /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/,
            (issue) => `expected a hostname (letters, digits, . and -), found ${describeValue(issue.input)}`,
          ),
        ),
      ),
      command: v.optional(commandSchema("a command")),
      entrypoint: v.optional(commandSchema("an entrypoint")),
      working_dir: v.optional(absolutePath("an absolute path")),
      user: v.optional(
        oneOf(
          {
            string: v.pipe(
              v.string(),
              v.regex(
                /^[^:\s]+(?::[^:\s]+)?$/,
                (issue) => `expected a user like "1000:1000" or "app", found ${describeValue(issue.input)}`,
              ),
            ),
            number: int(0, 2 ** 32 - 1, "a user id"),
          },
          'a user like "1000:1000" or "app"',
        ),
      ),
      mem_limit: v.optional(size()),
      memswap_limit: v.optional(size(true)),
      cpus: v.optional(
        oneOf(
          {
            string: v.pipe(v.string(), parses<string>(parseCpus)),
            number: v.pipe(v.number(), parses<number>(parseCpus)),
          },
          "a number of CPUs like 2.0 or 0.5",
        ),
      ),
      cpu_shares: v.optional(int(0, 262144, "an integer number of CPU shares (e.g. 512 or 1024)")),
      restart: v.optional(
        oneOf(
          { string: v.pipe(v.string(), parses<string>(parseRestart)) },
          `one of ${RESTART_POLICIES.map((p) => `"${p}"`).join(", ")} or "on-failure:N"`,
        ),
      ),
      healthcheck: v.optional(
        mapping(
          {
            test: v.optional(HealthcheckTestSchema),
            interval: v.optional(duration()),
            timeout: v.optional(duration()),
            max_retry_count: v.optional(int(0, 2 ** 31 - 1, "a number of retries (0 or more)")),
            start_period: v.optional(duration()),
          },
          "healthcheck (a map)",
          { aliases: { retries: "max_retry_count" } },
        ),
      ),
      privileged: v.optional(bool()),
      security_opt: v.optional(stringList()),
      logging: v.optional(
        mapping(
          {
            driver: v.optional(nonEmpty("a logging driver name")),
            options: v.optional(
              oneOf({ map: v.record(v.string(), scalar("a string or number")) }, "a map of driver options"),
            ),
          },
          "logging (a map)",
        ),
      ),
      labels: v.optional(keyValues("labels", false)),
      volumes: v.optional(oneOf({ list: v.array(VolumeSchema) }, "a list of volumes")),
      environment: v.optional(keyValues("environment", true)),
      env_file: v.optional(stringOrList("an env file path or a list of them")),
    },
    '"docker" or a map with type: docker',
    {
      aliases: {
        mem: "mem_limit",
        memory: "mem_limit",
        memswap: "memswap_limit",
        env: "environment",
        name: "container_name",
      },
    },
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { mem_limit, memswap_limit } = dataset.value;
    if (memswap_limit === undefined) return;
    let swap: number;
    let memory: number | undefined;
    try {
      swap = parseSizeBytes(memswap_limit, true);
      memory = mem_limit === undefined ? undefined : parseSizeBytes(mem_limit);
    } catch {
      return; // reported on the option itself
    }
    // Both problems belong to memswap_limit.
    const onSwap = (message: string) =>
      addIssue({
        message,
        path: [
          {
            type: "object",
            origin: "value",
            input: dataset.value as Record<string, unknown>,
            key: "memswap_limit",
            value: memswap_limit,
          },
        ],
      });
    if (memory === undefined) {
      if (swap !== -1) {
        onSwap(
          "memswap_limit needs mem_limit as well (Docker limits memory plus swap only with a memory limit)",
        );
      }
      return;
    }
    if (swap !== -1 && swap < memory) {
      onSwap(
        `memswap_limit (${memswap_limit}) must be at least mem_limit (${mem_limit}); it counts memory plus swap`,
      );
    }
  }),
);

/**
 * `controller.runtime` for the docker runtime: the string `docker` (all defaults) or a
 * mapping `{type: docker, image, build, ports, volumes, ...}`. Unknown keys are errors.
 */
export const DockerRuntimeOptionsSchema = v.pipe(
  v.unknown(),
  v.transform((input) => (input === "docker" ? { type: "docker" } : input)),
  DockerRuntimeObjectSchema,
);

/** The validated docker runtime options. */
export type DockerRuntimeOptions = v.InferOutput<typeof DockerRuntimeOptionsSchema>;

/**
 * Validates docker runtime options. Throws ConfigErrors with one ConfigError per
 * problem, each naming the option (`prefix` is prepended to key paths, e.g.
 * `["controller", "runtime"]`).
 */
export function parseDockerRuntimeOptions(input: unknown, prefix: KeyPath = []): DockerRuntimeOptions {
  const result = v.safeParse(DockerRuntimeOptionsSchema, input);
  if (result.success) return result.output;
  throw new ConfigErrors(
    issueReports(result.issues, prefix).map((r) => new ConfigError(r.message, undefined, r.keyPath)),
  );
}
