/**
 * `volumes` items: the short form (`"./models:/models"`, `"data:/data:ro"`, `"/cache"`)
 * split up for the mapping, and the schema of both forms (the long one is `{type,
 * source, target, read_only, bind, volume, tmpfs}`).
 */
import { homedir } from "node:os";
import * as v from "valibot";
import { bool, describeValue, mapping, nonEmpty, oneOf, parses } from "../../../runtime/plugin-api.ts";
import { absolutePath, parseOctalMode, size } from "./values.ts";

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
      `expected a volume like "./models:/models" or "data:/data:ro", found ${describeValue(spec)}`,
    );
  }
  const parts = spec.split(":");
  if (parts.length > 3) {
    throw new Error(`expected SOURCE:TARGET[:MODE], found ${describeValue(spec)}`);
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
      `volume ${JSON.stringify(spec)}: the container path must be absolute, found ${describeValue(target)}`,
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

const PROPAGATIONS = ["private", "rprivate", "shared", "rshared", "slave", "rslave"] as const;

const VolumeObjectSchema = v.pipe(
  mapping(
    {
      type: v.picklist(
        ["bind", "volume", "tmpfs"],
        (issue) => `expected type "bind", "volume" or "tmpfs", found ${describeValue(issue.input)}`,
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
                (issue) => `expected one of ${PROPAGATIONS.join(", ")}, found ${describeValue(issue.input)}`,
              ),
            ),
          },
          "bind (a map)",
        ),
      ),
      volume: v.optional(mapping({ nocopy: v.optional(bool()) }, "volume (a map)")),
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
          "tmpfs (a map)",
        ),
      ),
    },
    "a volume (a map)",
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

export const VolumeSchema = oneOf(
  {
    string: v.pipe(v.string(), parses<string>(parseShortVolume)),
    map: VolumeObjectSchema,
  },
  'a volume like "./models:/models" or {type, source, target}',
);
