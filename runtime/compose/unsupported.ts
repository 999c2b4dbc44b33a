/**
 * Types a compose file may name that this executable does not have: component types no
 * plugin registers (upstream's `model`, `agent`, `file-store`, ...), job types other
 * than component jobs (`for-each`, `if`, `switch`, ...), controller adapters other than
 * `http-server`, component runtimes other than in-process, upstream's top-level
 * sections (`gateway`, `listener`, ...), and upstream features that are keys of a
 * built-in type here (an http-client's `stream_format`, a job's `interrupt`). A file from the Python model-compose often
 * names several: all of them are reported in one error, each with its position, rather
 * than the first one alone or as a pile of schema errors they cause.
 */
import { ConfigError, closest, formatKeyPath, formatLocation, type KeyPath } from "../errors.ts";
import { locatePath } from "./locations.ts";
import { isPlainObject } from "./merge.ts";
import { COMPONENT_RUNTIMES, JOB_TYPES } from "./schema.ts";

type Obj = Record<string, unknown>;

/** Upstream's top-level sections with no counterpart here. */
const UPSTREAM_SECTIONS = [
  "listener",
  "listeners",
  "gateway",
  "gateways",
  "system",
  "systems",
  "tracer",
  "tracers",
];

const CONTROLLER_TYPES = ["http-server", "queue-subscriber"];

/** Upstream's fields of the built-in component types that have no counterpart here. */
const COMPONENT_FEATURES: Readonly<Record<string, readonly string[]>> = {
  "http-client": ["stream_format", "stream_fragmented", "completion", "rate_limit"],
  shell: ["manage", "base_dir", "batch_size", "streaming"],
};

/** Upstream's job fields that have no counterpart here. */
const JOB_FEATURES = ["interrupt", "hook", "on_error", "repeat_count", "max_run_count"];

export interface UnsupportedType {
  /** "component type", "job type", ... */
  kind: string;
  name: string;
  keyPath: KeyPath;
  /** What the line about it says, when not `kind "name"`. */
  detail?: string;
}

/**
 * Every unsupported type named in the raw document. `componentTypes`: the registered
 * component types, or undefined when plugins are not loaded yet (component types are
 * then not judged: a plugin named in the file may provide them).
 */
export function findUnsupported(raw: Obj, componentTypes: readonly string[] | undefined): UnsupportedType[] {
  const found: UnsupportedType[] = [];
  const componentIds = new Set<string>();
  const checkComponent = (c: Obj, keyPath: KeyPath, typeKey: KeyPath) => {
    const type = c.type;
    if (
      componentTypes &&
      typeof type === "string" &&
      !componentTypes.includes(type) &&
      // A near miss ("shel") is a typo, answered with a did-you-mean where the model is built.
      (KNOWN_UPSTREAM_COMPONENT_TYPES.has(type) || !closest(type, componentTypes))
    )
      found.push({ kind: "component type", name: type, keyPath: [...keyPath, ...typeKey] });
    const features =
      typeof type === "string" && Object.hasOwn(COMPONENT_FEATURES, type) ? COMPONENT_FEATURES[type] : [];
    const sections: [Obj, KeyPath][] = [[c, keyPath]];
    if (isPlainObject(c.action)) sections.push([c.action, [...keyPath, "action"]]);
    if (Array.isArray(c.actions))
      c.actions.forEach((a, i) => {
        if (isPlainObject(a)) sections.push([a, [...keyPath, "actions", i]]);
      });
    for (const [section, at] of sections) {
      for (const key of features) {
        if (key in section)
          found.push({
            kind: "feature",
            name: `${type} ${key}`,
            keyPath: [...at, key],
            detail: `${type} field "${key}"`,
          });
      }
    }
    const runtime = isPlainObject(c.runtime) ? c.runtime.type : c.runtime;
    const runtimePath = isPlainObject(c.runtime) ? [...keyPath, "runtime", "type"] : [...keyPath, "runtime"];
    if (typeof runtime === "string" && !(COMPONENT_RUNTIMES as readonly string[]).includes(runtime))
      found.push({ kind: "component runtime", name: runtime, keyPath: runtimePath });
  };

  for (const key of UPSTREAM_SECTIONS) {
    if (key in raw) found.push({ kind: "section", name: key, keyPath: [key] });
  }
  const controller = raw.controller;
  if (isPlainObject(controller)) {
    if (typeof controller.type === "string" && !CONTROLLER_TYPES.includes(controller.type))
      found.push({ kind: "controller type", name: controller.type, keyPath: ["controller", "type"] });
    if (Array.isArray(controller.adapters)) {
      controller.adapters.forEach((a, i) => {
        if (isPlainObject(a) && typeof a.type === "string" && !CONTROLLER_TYPES.includes(a.type))
          found.push({
            kind: "controller adapter",
            name: a.type,
            keyPath: ["controller", "adapters", i, "type"],
          });
      });
    }
  }
  if (Array.isArray(raw.components)) {
    raw.components.forEach((c, i) => {
      if (!isPlainObject(c)) return;
      if (typeof c.id === "string") componentIds.add(c.id);
      checkComponent(c, ["components", i], ["type"]);
    });
  }
  if (Array.isArray(raw.workflows)) {
    raw.workflows.forEach((wf, w) => {
      if (!isPlainObject(wf) || !Array.isArray(wf.jobs)) return;
      wf.jobs.forEach((job, j) => {
        if (!isPlainObject(job)) return;
        const jobPath = ["workflows", w, "jobs", j];
        if (typeof job.type === "string" && !(JOB_TYPES as readonly string[]).includes(job.type)) {
          found.push({ kind: "job type", name: job.type, keyPath: [...jobPath, "type"] });
          return;
        }
        for (const key of JOB_FEATURES) {
          if (key in job)
            found.push({
              kind: "feature",
              name: `job ${key}`,
              keyPath: [...jobPath, key],
              detail: `job field "${key}"`,
            });
        }
        const ref = job.component;
        if (typeof ref === "string" && Object.hasOwn(COMPONENT_FEATURES, ref))
          checkComponent({ ...job, type: ref, runtime: undefined }, jobPath, ["component"]);
        if (isPlainObject(ref)) checkComponent(ref, [...jobPath, "component"], ["type"]);
        else if (
          typeof ref === "string" &&
          componentTypes &&
          !componentIds.has(ref) &&
          !componentTypes.includes(ref) &&
          KNOWN_UPSTREAM_COMPONENT_TYPES.has(ref)
        ) {
          // `component: model` on a job: an inline component of a type we lack.
          found.push({ kind: "component type", name: ref, keyPath: [...jobPath, "component"] });
        }
      });
    });
  }
  return found;
}

/** One error for all of them, or undefined when there are none. */
export function unsupportedError(
  raw: Obj,
  found: readonly UnsupportedType[],
  componentTypes: readonly string[],
): ConfigError | undefined {
  if (!found.length) return undefined;
  const lines = found.map((u) => {
    const where = formatLocation(locatePath(raw, u.keyPath));
    return `  ${where ? `${where}: ` : ""}${formatKeyPath(u.keyPath)}: ${u.detail ?? `${u.kind} "${u.name}"`}`;
  });
  const names = [...new Set(found.map((u) => u.name))];
  return new ConfigError(
    [
      `${names.length === 1 ? "a type or feature" : `${names.length} types and features`} this file uses ${names.length === 1 ? "is" : "are"} not built into model-compose: ${names.join(", ")}`,
      ...lines,
      `  built in: components ${componentTypes.join(", ")}; component jobs (a job without type:, or type: component); the http-server and queue-subscriber controllers; components run in the controller's process (runtime: embedded)`,
      '  other component types come from plugins (plugins: [./my-plugin.ts] in the compose file, see docs/plugins.md); see docs/compose-file.md, "Coming from the Python model-compose"',
    ].join("\n"),
  );
}

/**
 * Component types of the Python model-compose (its ComponentType), to tell
 * `component: model` (an inline component of a type we lack) from a mistyped id,
 * which the model builder reports with a did-you-mean.
 */
const KNOWN_UPSTREAM_COMPONENT_TYPES = new Set([
  "http-server",
  "websocket-server",
  "websocket-client",
  "mcp-server",
  "mcp-client",
  "agent",
  "model",
  "model-memory",
  "model-trainer",
  "model-tokenizer",
  "datasets",
  "vector-store",
  "workflow",
  "text-splitter",
  "sentence-splitter",
  "transcript-corrector",
  "morpheme-analyzer",
  "image-processor",
  "image-compressor",
  "image-analyzer",
  "vector-processor",
  "web-scraper",
  "web-browser",
  "html-frame-renderer",
  "video-scene-detector",
  "video-clipper",
  "video-converter",
  "video-encoder",
  "video-frame-extractor",
  "video-mixer",
  "video-analyzer",
  "screen-capture",
  "audio-capture",
  "video-capture",
  "rtmp-publisher",
  "media-inspector",
  "media-downloader",
  "audio-extractor",
  "audio-clipper",
  "audio-converter",
  "audio-processor",
  "audio-feature-extractor",
  "audio-analyzer",
  "audio-playback",
  "audio-mixer",
  "key-value-store",
  "graph-store",
  "file-store",
  "search-engine",
  "data-queue",
]);
