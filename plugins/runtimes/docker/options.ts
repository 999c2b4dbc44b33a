/**
 * The options of `controller.runtime: docker` and the parsers for their small
 * languages (sizes, durations, port and volume specs). The schema validates every
 * option with the same parsers the container mapping uses, so a value that passes
 * validation always maps; the validated output keeps the shapes the user wrote.
 */
import { homedir } from "node:os";
import { parse as shellParse } from "shell-quote";
import * as v from "valibot";
import { ConfigError, ConfigErrors, closest, type KeyPath } from "../../../runtime/errors.ts";
import { parseDurationText, parseSize as readSize } from "../../../runtime/schema-kit.ts";

// ---------------------------------------------------------------------------
// Parsers shared by the schema and the mapping. Each throws an Error whose message
// says what was expected and what was given; the schema turns it into an issue.
// ---------------------------------------------------------------------------

/** Describes a YAML value for error messages: strings quoted, lists and mappings by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

/**
 * A memory size in bytes (see `parseSize` in schema-kit for the notation).
 * `allowUnlimited` also accepts -1 (as `memswap_limit` does).
 */
export function parseSize(value: unknown, allowUnlimited = false): number {
  if (allowUnlimited && (value === -1 || (typeof value === "string" && value.trim() === "-1"))) return -1;
  const bytes = typeof value === "number" || typeof value === "string" ? readSize(value) : undefined;
  if (bytes === undefined) {
    throw new Error(`expected a size like 512m or 2g (or a number of bytes), got ${describeValue(value)}`);
  }
  return bytes;
}

/**
 * A duration in nanoseconds, as the Engine API wants them (Go's notation; see
 * `parseDurationText` in schema-kit). A bare number is refused: its unit would be a guess.
 */
export function parseDuration(value: unknown): number {
  const expected = "expected a duration like 30s, 1m30s or 500ms";
  if (typeof value === "number") {
    throw new Error(`${expected}, got ${value} (add a unit, e.g. ${value}s)`);
  }
  const ns = typeof value === "string" ? parseDurationText(value, false) : undefined;
  if (ns === undefined) throw new Error(`${expected}, got ${describeValue(value)}`);
  return ns;
}

/** Parses `cpus` (`"2.0"`, `0.5`, `2`) into the Engine API's NanoCpus. */
export function parseCpus(value: unknown): number {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : Number.NaN;
  if (
    !Number.isFinite(n) ||
    n <= 0 ||
    (typeof value === "string" && !/^\d*\.?\d+$|^\d+\.$/.test(value.trim()))
  ) {
    throw new Error(`expected a positive number of CPUs like 2.0 or 0.5, got ${describeValue(value)}`);
  }
  return Math.round(n * 1e9);
}

/** The restart policies Docker knows, as written in a compose file. */
export const RESTART_POLICIES = ["no", "always", "on-failure", "unless-stopped"] as const;

/** Parses `restart` (`no`, `always`, `on-failure`, `on-failure:3`, `unless-stopped`). */
export function parseRestart(value: unknown): { Name: string; MaximumRetryCount?: number } {
  if (typeof value === "string") {
    if ((RESTART_POLICIES as readonly string[]).includes(value)) return { Name: value };
    const m = /^on-failure:(\d+)$/.exec(value);
    if (m) return { Name: "on-failure", MaximumRetryCount: Number(m[1]) };
  }
  throw new Error(
    `expected one of ${RESTART_POLICIES.map((p) => `"${p}"`).join(", ")} or "on-failure:N", got ${describeValue(value)}`,
  );
}

/** One published port as the Engine API needs it. */
export interface PortMapping {
  containerPort: number;
  protocol: "tcp" | "udp";
  /** Empty: all interfaces. */
  hostIp: string;
  /** Empty: a port the daemon picks. */
  hostPort: string;
}

/** A port item in its long form. */
export interface PortObject {
  target: number;
  published?: number | string;
  protocol?: "tcp" | "udp";
  mode?: "host" | "ingress";
  host_ip?: string;
}

function portRange(text: string, what: string, allowZero: boolean): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = m ? Number(m[1]) : Number.NaN;
  const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
  const min = allowZero ? 0 : 1;
  if (!m || lo < min || hi > 65535 || hi < lo) {
    throw new Error(
      `${what} ${JSON.stringify(text)} is not a port number (${min}-65535) or a range like 8000-8010`,
    );
  }
  return [lo, hi];
}

/**
 * Parses one `ports` item: `"5000:8080"`, `"127.0.0.1:5000:8080"`, `"[::1]:5000:8080"`,
 * `"127.0.0.1::8080"` (any host port), `"8080/udp"`, `"8000-8001:9000-9001"`, a number
 * (`8081`: 8081 published as 8081), or the long form `{target, published, protocol,
 * mode, host_ip}`. A container port without a host port is published as the same port.
 */
export function parsePort(item: unknown): PortMapping[] {
  if (typeof item === "number") {
    if (!Number.isInteger(item) || item < 1 || item > 65535) {
      throw new Error(`expected a port number 1-65535, got ${item}`);
    }
    return [{ containerPort: item, protocol: "tcp", hostIp: "", hostPort: String(item) }];
  }
  if (typeof item === "string") {
    const m =
      /^(?:(?:\[(?<ip6>[0-9A-Fa-f:.]+)\]|(?<ip4>\d{1,3}(?:\.\d{1,3}){3})):)?(?:(?<host>[\d-]*):)?(?<ctr>[\d-]+)(?:\/(?<proto>[a-z]+))?$/.exec(
        item.trim(),
      );
    if (!m?.groups) {
      throw new Error(
        `expected a port like "5000:8080", "127.0.0.1:5000:8080" or "8080/udp", got ${JSON.stringify(item)}`,
      );
    }
    const { ip6, ip4, host, ctr, proto } = m.groups;
    if (proto !== undefined && proto !== "tcp" && proto !== "udp") {
      throw new Error(`port ${JSON.stringify(item)}: protocol must be tcp or udp, got "${proto}"`);
    }
    const [cLo, cHi] = portRange(ctr, "container port", false);
    const protocol = (proto ?? "tcp") as "tcp" | "udp";
    const hostIp = ip6 ?? ip4 ?? "";
    if (ip4?.split(".").some((o) => Number(o) > 255)) {
      throw new Error(`port ${JSON.stringify(item)}: ${ip4} is not an IPv4 address`);
    }
    // No host port: the same port; an empty one ("127.0.0.1::8080"): any free port.
    let hostPortOf = (p: number) => String(p);
    if (host === "") hostPortOf = () => "";
    else if (host !== undefined) {
      const [hLo, hHi] = portRange(host, "host port", true);
      if (hHi - hLo === cHi - cLo) hostPortOf = (p) => String(hLo + (p - cLo));
      else if (cLo === cHi) hostPortOf = () => `${hLo}-${hHi}`;
      else throw new Error(`port ${JSON.stringify(item)}: host and container port ranges differ in size`);
    }
    const out: PortMapping[] = [];
    for (let p = cLo; p <= cHi; p++)
      out.push({ containerPort: p, protocol, hostIp, hostPort: hostPortOf(p) });
    return out;
  }
  if (item && typeof item === "object" && !Array.isArray(item)) {
    const o = item as PortObject;
    const published = o.published === undefined ? String(o.target) : String(o.published);
    if (o.published !== undefined) portRange(published, "published port", true);
    return [
      {
        containerPort: o.target,
        protocol: o.protocol ?? "tcp",
        hostIp: o.host_ip ?? "",
        hostPort: published,
      },
    ];
  }
  throw new Error(
    `expected a port like "5000:8080", a port number or {target, published}, got ${describeValue(item)}`,
  );
}

/** A named volume's or container's name as Docker accepts it. */
export const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const VOLUME_MODES = new Set([
  "ro",
  "rw",
  "z",
  "Z",
  "shared",
  "rshared",
  "slave",
  "rslave",
  "private",
  "rprivate",
  "nocopy",
  "consistent",
  "cached",
  "delegated",
]);

/** A `volumes` item in its short form, split up. */
export interface ShortVolume {
  /** bind: a host path; volume: a named volume; anonymous: a fresh volume at target. */
  kind: "bind" | "volume" | "anonymous";
  /** The host path as written (bind) or the volume's name. */
  source?: string;
  target: string;
  /** Comma-separated flags such as `ro`, `rw`, `z`, `nocopy`. */
  mode?: string;
}

/** True for a `volumes` source that names a host path rather than a volume. */
export function isHostPath(source: string): boolean {
  return source.startsWith(".") || source.startsWith("/") || source === "~" || source.startsWith("~/");
}

/** Expands a leading `~` to the home directory. */
export function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? homedir() + p.slice(1) : p;
}

/**
 * Parses a short `volumes` item: `"./models:/models"`, `"./cache:/cache:ro"`,
 * `"model-data:/data"`, `"/data"` (anonymous). A source starting with `.`, `/` or `~`
 * is a host path; anything else is a named volume.
 */
export function parseShortVolume(spec: unknown): ShortVolume {
  if (typeof spec !== "string" || spec.trim() === "") {
    throw new Error(
      `expected a volume like "./models:/models" or "data:/data:ro", got ${describeValue(spec)}`,
    );
  }
  const parts = spec.split(":");
  if (parts.length > 3) {
    throw new Error(`expected SOURCE:TARGET[:MODE], got ${JSON.stringify(spec)}`);
  }
  if (parts.length === 1) {
    if (!parts[0].startsWith("/")) {
      throw new Error(`volume ${JSON.stringify(spec)}: the container path must be absolute`);
    }
    return { kind: "anonymous", target: parts[0] };
  }
  const [source, target, mode] = parts;
  if (!target.startsWith("/")) {
    throw new Error(
      `volume ${JSON.stringify(spec)}: the container path must be absolute, got ${JSON.stringify(target)}`,
    );
  }
  if (mode !== undefined) {
    for (const flag of mode.split(",")) {
      if (!VOLUME_MODES.has(flag)) {
        throw new Error(
          `volume ${JSON.stringify(spec)}: unknown mode "${flag}" (expected ro, rw, z, Z, nocopy or a propagation like rshared)`,
        );
      }
    }
  }
  if (isHostPath(source)) return { kind: "bind", source, target, mode };
  if (!DOCKER_NAME.test(source)) {
    throw new Error(
      `volume ${JSON.stringify(spec)}: "${source}" is neither a path (start it with ./ or /) nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`,
    );
  }
  return { kind: "volume", source, target, mode };
}

/** Parses a file mode given in octal digits (`1777` or `"0755"` mean octal) into a number. */
export function parseOctalMode(value: unknown): number {
  const text = typeof value === "number" && Number.isInteger(value) ? String(value) : value;
  if (typeof text === "string") {
    const m = /^(?:0o?)?([0-7]{1,4})$/.exec(text.trim());
    if (m) return Number.parseInt(m[1], 8);
  }
  throw new Error(`expected a file mode in octal digits like 1777 or 0755, got ${describeValue(value)}`);
}

/**
 * Splits a command given as one string the way a shell would (quotes and escapes),
 * without expanding variables. Shell operators (`|`, `&&`, `;`, redirections) are
 * rejected: write such a command as a list, `["/bin/sh", "-c", "..."]`.
 */
export function splitCommand(value: string | readonly string[]): string[] {
  if (typeof value !== "string") return [...value];
  const words: string[] = [];
  for (const entry of shellParse(value, (key: string) => `$${key}`)) {
    if (typeof entry === "string") words.push(entry);
    else if ("op" in entry && entry.op === "glob") words.push(entry.pattern);
    else if ("comment" in entry) break;
    else {
      throw new Error(
        `cannot split ${JSON.stringify(value)} into arguments: it uses the shell operator "${entry.op}"; write it as a list like ["/bin/sh", "-c", ${JSON.stringify(value)}]`,
      );
    }
  }
  if (words.length === 0) throw new Error("expected a command, got an empty string");
  return words;
}

// ---------------------------------------------------------------------------
// Schema building blocks
// ---------------------------------------------------------------------------

type Shape = "string" | "number" | "boolean" | "null" | "list" | "mapping";

function shapeOf(value: unknown): Shape | undefined {
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  switch (typeof value) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "object":
      return "mapping";
    default:
      return undefined;
  }
}

/**
 * Picks the schema for the input's YAML shape, so a wrong value is reported against
 * the form the user chose rather than as "none of the alternatives matched".
 */
function oneOf<T extends { [K in Shape]?: v.GenericSchema }>(schemas: T, expected: string) {
  const none = v.never((issue) => `expected ${expected}, got ${describeValue(issue.input)}`);
  type Picked = Extract<T[keyof T], v.GenericSchema>;
  return v.lazy((input): Picked | typeof none => {
    const shape = shapeOf(input);
    return (shape && (schemas[shape] as Picked | undefined)) || none;
  });
}

/** A strict mapping: unknown keys are reported with the closest known key. */
function mapping<const E extends v.ObjectEntries>(
  entries: E,
  what: string,
  expected = `${what} (a mapping)`,
  aliases: Record<string, string> = {},
) {
  return oneOf(
    {
      mapping: v.strictObject(entries, (issue) => {
        if (issue.expected === "never") {
          const key = String(issue.input);
          const hint = aliases[key] ?? closest(key, Object.keys(entries));
          return `unknown option "${key}" in ${what}${hint ? ` (did you mean "${hint}"?)` : ""}; known options: ${Object.keys(entries).join(", ")}`;
        }
        return `${what} needs ${issue.expected}`;
      }),
    },
    expected,
  );
}

/** Adds an issue with the parser's message when `parse` throws. */
function parses<T>(parse: (value: T) => unknown) {
  return v.rawCheck<T>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    try {
      parse(dataset.value);
    } catch (error) {
      addIssue({ message: (error as Error).message });
    }
  });
}

const str = (what = "a string") => v.string((issue) => `expected ${what}, got ${describeValue(issue.input)}`);

const nonEmpty = (what = "a non-empty string") =>
  v.pipe(
    str(what),
    v.check((s) => s.trim() !== "", `expected ${what}, got an empty string`),
  );

const bool = () => v.boolean((issue) => `expected true or false, got ${describeValue(issue.input)}`);

const int = (min: number, max = Number.MAX_SAFE_INTEGER, what = "an integer") =>
  v.pipe(
    v.number((issue) => `expected ${what}, got ${describeValue(issue.input)}`),
    v.check(
      (n) => Number.isInteger(n) && n >= min && n <= max,
      (issue) => `expected ${what}, got ${describeValue(issue.input)}`,
    ),
  );

const stringList = (what = "a list of strings") =>
  oneOf({ list: v.array(nonEmpty("a non-empty string")) }, what);

const stringOrList = (what: string) =>
  oneOf({ string: nonEmpty(), list: v.array(nonEmpty("a non-empty string")) }, what);

const scalar = (what: string) =>
  oneOf({ string: v.string(), number: v.number(), boolean: v.boolean() }, what);

/** `KEY: value` mapping or `["KEY=value"]` list (labels, build args, environment). */
const keyValues = (what: string, allowNull: boolean) =>
  oneOf(
    {
      mapping: v.record(
        v.pipe(
          v.string(),
          v.check(
            (k) => k !== "" && !k.includes("="),
            (issue) => `invalid name ${describeValue(issue.input)}`,
          ),
        ),
        allowNull
          ? oneOf(
              { string: v.string(), number: v.number(), boolean: v.boolean(), null: v.null() },
              "a string or number",
            )
          : scalar("a string or number"),
      ),
      list: v.array(
        v.pipe(
          str('a "KEY=value" string'),
          v.check(
            (s) => /^[^=\s][^=]*(=[\s\S]*)?$/.test(s),
            (issue) => `expected a "KEY=value" string, got ${describeValue(issue.input)}`,
          ),
        ),
      ),
    },
    `${what} as a mapping (KEY: value) or a list of "KEY=value" strings`,
  );

const size = (allowUnlimited = false) =>
  oneOf(
    {
      string: v.pipe(
        v.string(),
        parses((s: string) => parseSize(s, allowUnlimited)),
      ),
      number: v.pipe(
        v.number(),
        parses((n: number) => parseSize(n, allowUnlimited)),
      ),
    },
    "a size like 512m or 2g",
  );

const duration = () =>
  oneOf(
    {
      string: v.pipe(v.string(), parses<string>(parseDuration)),
      number: v.pipe(v.number(), parses<number>(parseDuration)),
    },
    "a duration like 30s, 1m30s or 500ms",
  );

const absolutePath = (what: string) =>
  v.pipe(
    str(what),
    v.check(
      (s) => s.startsWith("/"),
      (issue) => `expected ${what}, got ${describeValue(issue.input)}`,
    ),
  );

// ---------------------------------------------------------------------------
// The options
// ---------------------------------------------------------------------------

const PortObjectSchema = mapping(
  {
    target: int(1, 65535, "a container port number 1-65535"),
    published: v.optional(
      oneOf(
        {
          number: int(0, 65535, "a port number 0-65535"),
          string: v.pipe(
            v.string(),
            parses((s: string) => portRange(s, "published port", true)),
          ),
        },
        "a port number or a range like 8000-8010",
      ),
    ),
    protocol: v.optional(
      v.picklist(["tcp", "udp"], (issue) => `expected "tcp" or "udp", got ${describeValue(issue.input)}`),
    ),
    mode: v.optional(
      v.picklist(
        ["host", "ingress"],
        (issue) => `expected "host" or "ingress", got ${describeValue(issue.input)}`,
      ),
    ),
    host_ip: v.optional(nonEmpty("an IP address")),
  },
  "a port",
);

const PortSchema = oneOf(
  {
    string: v.pipe(v.string(), parses<string>(parsePort)),
    number: v.pipe(v.number(), parses<number>(parsePort)),
    mapping: PortObjectSchema,
  },
  'a port like "5000:8080", a port number, or {target, published, protocol}',
);

const PROPAGATIONS = ["private", "rprivate", "shared", "rshared", "slave", "rslave"] as const;

const VolumeObjectSchema = v.pipe(
  mapping(
    {
      type: v.picklist(
        ["bind", "volume", "tmpfs"],
        (issue) => `expected type "bind", "volume" or "tmpfs", got ${describeValue(issue.input)}`,
      ),
      source: v.optional(nonEmpty("a host path or volume name")),
      target: absolutePath("an absolute container path"),
      read_only: v.optional(bool()),
      bind: v.optional(
        mapping(
          {
            propagation: v.optional(
              v.picklist(
                PROPAGATIONS,
                (issue) => `expected one of ${PROPAGATIONS.join(", ")}, got ${describeValue(issue.input)}`,
              ),
            ),
          },
          "bind",
        ),
      ),
      volume: v.optional(mapping({ nocopy: v.optional(bool()) }, "volume")),
      tmpfs: v.optional(
        mapping(
          {
            size: v.optional(size()),
            mode: v.optional(
              oneOf(
                {
                  number: v.pipe(v.number(), parses<number>(parseOctalMode)),
                  string: v.pipe(v.string(), parses<string>(parseOctalMode)),
                },
                "a file mode in octal digits like 1777",
              ),
            ),
          },
          "tmpfs",
        ),
      ),
    },
    "a volume",
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const vol = dataset.value;
    if (vol.type === "bind" && !vol.source)
      addIssue({ message: "a bind volume needs a source (a host path)" });
    if (vol.type === "tmpfs" && vol.source !== undefined)
      addIssue({ message: "a tmpfs volume takes no source" });
    if (vol.type === "volume" && vol.source !== undefined && !DOCKER_NAME.test(vol.source)) {
      addIssue({
        message: `"${vol.source}" is not a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*); use type: bind for a host path`,
      });
    }
    for (const key of ["bind", "volume", "tmpfs"] as const) {
      if (vol[key] !== undefined && vol.type !== key) {
        addIssue({
          message: `"${key}" options only apply to type: ${key}, this volume has type: ${vol.type}`,
        });
      }
    }
  }),
);

const VolumeSchema = oneOf(
  {
    string: v.pipe(v.string(), parses<string>(parseShortVolume)),
    mapping: VolumeObjectSchema,
  },
  'a volume like "./models:/models" or {type, source, target}',
);

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
          `expected ["CMD", "program", "arg", ...], ["CMD-SHELL", "command"] or ["NONE"], got ${JSON.stringify(issue.input)}`,
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
  "build",
);

const DockerRuntimeObjectSchema = v.pipe(
  mapping(
    {
      type: v.optional(
        v.literal("docker", (issue) => `expected "docker", got ${describeValue(issue.input)}`),
        "docker",
      ),
      image: v.optional(nonEmpty("an image name")),
      container_name: v.optional(
        v.pipe(
          str("a container name"),
          v.regex(
            /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/,
            (issue) =>
              `expected a container name of letters, digits, _ . - (at least 2 characters), got ${describeValue(issue.input)}`,
          ),
        ),
      ),
      build: v.optional(
        oneOf(
          { string: nonEmpty("a directory"), mapping: BuildObjectSchema },
          "build: a context directory or a mapping",
        ),
      ),
      ports: v.optional(oneOf({ list: v.array(PortSchema) }, "a list of ports")),
      networks: v.optional(
        oneOf(
          {
            list: v.array(
              v.pipe(
                str("a network name"),
                v.regex(DOCKER_NAME, (issue) => `expected a network name, got ${describeValue(issue.input)}`),
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
            (issue) => `expected a hostname (letters, digits, . and -), got ${describeValue(issue.input)}`,
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
                (issue) => `expected a user like "1000:1000" or "app", got ${describeValue(issue.input)}`,
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
          "healthcheck",
          "healthcheck (a mapping)",
          { retries: "max_retry_count" },
        ),
      ),
      privileged: v.optional(bool()),
      security_opt: v.optional(stringList()),
      logging: v.optional(
        mapping(
          {
            driver: v.optional(nonEmpty("a logging driver name")),
            options: v.optional(
              oneOf(
                { mapping: v.record(v.string(), scalar("a string or number")) },
                "a mapping of driver options",
              ),
            ),
          },
          "logging",
        ),
      ),
      labels: v.optional(keyValues("labels", false)),
      volumes: v.optional(oneOf({ list: v.array(VolumeSchema) }, "a list of volumes")),
      environment: v.optional(keyValues("environment", true)),
      env_file: v.optional(stringOrList("an env file path or a list of them")),
    },
    "the docker runtime options",
    '"docker" or a mapping with type: docker',
    {
      mem: "mem_limit",
      memory: "mem_limit",
      memswap: "memswap_limit",
      env: "environment",
      name: "container_name",
    },
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { mem_limit, memswap_limit } = dataset.value;
    if (memswap_limit === undefined) return;
    let swap: number;
    let memory: number | undefined;
    try {
      swap = parseSize(memswap_limit, true);
      memory = mem_limit === undefined ? undefined : parseSize(mem_limit);
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

/** Turns a valibot issue path into a key path (`ports[1]`, `healthcheck.interval`). */
export function issueKeyPath(issue: v.BaseIssue<unknown>): Array<string | number> {
  return (issue.path ?? []).map((item) => item.key as string | number);
}

/**
 * Validates docker runtime options. Throws ConfigErrors with one ConfigError per
 * problem, each naming the option (`prefix` is prepended to key paths, e.g.
 * `["controller", "runtime"]`).
 */
export function parseDockerRuntimeOptions(input: unknown, prefix: KeyPath = []): DockerRuntimeOptions {
  const result = v.safeParse(DockerRuntimeOptionsSchema, input);
  if (result.success) return result.output;
  throw new ConfigErrors(
    result.issues.map(
      (issue) => new ConfigError(issue.message, undefined, [...prefix, ...issueKeyPath(issue)]),
    ),
  );
}
