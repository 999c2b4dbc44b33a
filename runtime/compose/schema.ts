/**
 * The compose document's shape, as valibot schemas: the single source of truth for
 * the model's types. Component type fields and runtime options are open here; each
 * plugin's own schema validates them (validate.ts).
 */
import * as v from "valibot";
import {
  Count,
  Duration,
  describeValue,
  Flag,
  Port,
  Size,
  strictMap,
  strictObjectOf,
  Text,
} from "../schema-kit.ts";
import { QueueSchema } from "./queue-schema.ts";

const isMap = (x: unknown) => typeof x === "object" && x !== null && !Array.isArray(x);

import { DEFAULT_STORE, StoreSchema } from "./store-schema.ts";

const Id = v.pipe(
  Text,
  v.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, "expected an id of letters, digits, '_', '-' or '.'"),
);

/**
 * An empty list would turn authentication off without a word, and a key that is empty
 * or padded with spaces can never match what a client sends (the header's token is
 * trimmed): all three are load errors rather than surprises.
 */
const ApiKey = v.pipe(
  Text,
  v.check((key) => key !== "", "an API key must not be empty"),
  v.check(
    (key) => key === key.trim(),
    "an API key must not start or end with spaces (clients' keys are read without them, so it could never match)",
  ),
);
const ApiKeys = strictMap({
  api_keys: v.pipe(
    v.array(ApiKey, (i) => `expected a list of API keys, found ${describeValue(i.input)}`),
    v.minLength(
      1,
      "the list of API keys is empty, which would let everyone in; list at least one key, or remove `auth` to run without authentication",
    ),
  ),
});

/** A CORS origin as browsers send it (`https://app.example.com`, `http://localhost:3000`), `null`, or `*`. */
const Origin = v.pipe(
  Text,
  v.check(
    (o) => o === "*" || o === "null" || /^[a-z][a-z0-9+.-]*:\/\/[^/\s?#]+$/i.test(o),
    (i) =>
      `expected an origin like https://app.example.com (scheme, host and port, no path), or "*", found ${describeValue(i.input)}`,
  ),
);

/** A host name the controller answers for, besides its own address and localhost (`*`: any). */
const HostName = v.pipe(
  Text,
  v.check(
    (h) => h === "*" || /^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/i.test(h),
    (i) =>
      `expected a host name like app.example.com (no scheme, no port), or "*", found ${describeValue(i.input)}`,
  ),
);

export const RuntimeRefSchema = v.looseObject({
  type: Text,
});

/**
 * Upstream's `webui: { driver, host, port, static_dir }` starts a Gradio or static UI on
 * its own port. Here the controller serves its own page (at `webui_path`) on the
 * controller's port; the upstream map is accepted as "the page is on", its fields are
 * checked and otherwise unused.
 */
export const WebUiMapSchema = strictMap({
  driver: v.optional(
    v.picklist(
      ["gradio", "static", "dynamic"],
      (i) => `expected a webui driver of gradio, static or dynamic, found ${describeValue(i.input)}`,
    ),
  ),
  host: v.optional(Text),
  port: v.optional(Port),
  static_dir: v.optional(Text),
});

/** `webui: true | false`, or upstream's map (which means true): the validated value is a boolean. */
export const WebUiSchema = v.pipe(
  // A map is checked as one, so a wrong key in it is reported as such.
  v.lazy((input) =>
    isMap(input)
      ? WebUiMapSchema
      : v.boolean(
          (i) =>
            `expected true, false or a map of driver, host, port, static_dir, found ${describeValue(i.input)}`,
        ),
  ),
  v.transform((value) => value !== false),
);

export const ControllerSchema = strictMap({
  type: v.optional(
    v.picklist(
      ["http-server", "queue-subscriber"],
      (i) => `expected "http-server" or "queue-subscriber", found ${describeValue(i.input)}`,
    ),
    "http-server",
  ),
  name: v.optional(Text),
  title: v.optional(Text),
  description: v.optional(Text),
  host: v.optional(Text),
  port: v.optional(Port, 8080),
  base_path: v.optional(v.pipe(Text, v.regex(/^\/[^\s]*$/, "expected a path starting with /")), "/api"),
  origins: v.optional(
    v.union(
      [Origin, v.array(Origin)],
      (i) => `expected an origin or a list of origins, found ${describeValue(i.input)}`,
    ),
    [],
  ),
  allowed_hosts: v.optional(
    v.array(HostName, (i) => `expected a list of host names, found ${describeValue(i.input)}`),
    [],
  ),
  max_concurrent_count: v.optional(Count, 0),
  /** Runs that may wait for a slot; beyond it a new run is refused with 429 (0: no limit). */
  max_pending_count: v.optional(Count, 0),
  store: v.optional(StoreSchema, DEFAULT_STORE),
  /** Completion callbacks: `secret` signs each delivery (HMAC-SHA256 of the body). */
  callbacks: v.optional(strictMap({ secret: v.optional(Text), max_attempts: v.optional(Count, 10) }), {
    max_attempts: 10,
  }),
  threaded: v.optional(Flag, false),
  max_body_size: v.optional(Size, 10 * 1024 * 1024),
  /** The whole request body must arrive within this time (slow or stalled uploads). */
  body_timeout: v.optional(Duration, "60s"),
  /** A connection with no traffic is closed after this time; Bun allows at most 255 s. */
  idle_timeout: v.optional(
    v.pipe(
      Duration,
      v.check(
        (ms) => ms >= 1000 && ms <= 255_000,
        "expected a duration from 1s to 255s (the HTTP server's range)",
      ),
    ),
    "30s",
  ),
  /** How deeply a JSON request body may nest. */
  max_json_depth: v.optional(v.pipe(Count, v.minValue(1, "expected a number >= 1")), 100),
  shutdown_grace_period: v.optional(Duration, "30s"),
  auth: v.optional(ApiKeys),
  runtime: v.optional(RuntimeRefSchema, { type: "native" }),
  /** The controller's web page (§3.1); on unless `false`. */
  webui: v.optional(WebUiSchema, true),
  /** Where the page is served. */
  webui_path: v.optional(v.pipe(Text, v.regex(/^\/[^\s?#]*$/, "expected a path starting with /")), "/"),
  /** Limits of the run event streams (GET …/tasks/{id}/events). */
  events: v.optional(
    strictMap({
      history_lines: v.optional(Count, 5000),
      history_runs: v.optional(Count, 200),
      subscriber_buffer: v.optional(Size, 1024 * 1024),
      heartbeat: v.optional(Duration, "15s"),
    }),
    {},
  ),
  queue: v.optional(QueueSchema),
  /** queue-subscriber: the workflows this worker takes from the queue (default: all). */
  workflows: v.optional(v.array(Id)),
});
export type ControllerConfig = v.InferOutput<typeof ControllerSchema>;

export const ActionSchema = v.looseObject({
  id: v.optional(Id),
  output: v.optional(v.unknown()),
});

/**
 * Upstream's component `runtime:` says where a component runs (in the controller's
 * process, a child process, a container). Every component here runs in the
 * controller's process, which upstream calls `embedded` (and `native`): those are
 * accepted and change nothing; other types are reported by unsupported.ts.
 */
export const COMPONENT_RUNTIMES = ["embedded", "native"] as const;
const ComponentRuntime = v.lazy((input) =>
  isMap(input)
    ? strictMap({ type: Text })
    : v.string((i) => `expected a runtime type such as embedded, found ${describeValue(i.input)}`),
);

const componentEntries = {
  id: Id,
  type: Text,
  title: v.optional(Text),
  description: v.optional(Text),
  max_concurrent_count: v.optional(Count, 0),
  /** The component a job without `component:` uses when there are several (upstream's meaning). */
  default: v.optional(Flag, false),
  runtime: v.optional(ComponentRuntime),
  action: v.optional(ActionSchema),
  actions: v.optional(v.array(v.looseObject({ id: Id, output: v.optional(v.unknown()) }))),
  output: v.optional(v.unknown()),
};
export const ComponentSchema = v.looseObject(componentEntries);
export type ComponentConfig = v.InferOutput<typeof ComponentSchema>;

/** Keys every component has (from its schema); the rest are the type's own fields. */
export const COMPONENT_COMMON_KEYS = Object.keys(
  componentEntries,
) as readonly (keyof typeof componentEntries)[];

export const RetrySchema = strictMap(
  {
    max_attempts: v.optional(v.pipe(Count, v.minValue(1, "expected at least 1 attempt")), 1),
    delay: v.optional(Duration, 0),
  },
  {
    // A job with an inline component (`component: http-client`) has one `retry:`, the job's.
    unknownKeyNote:
      "this is the job's retry; a component's own retry options go on the component, for an inline one as component: { type: TYPE, retry: {...} }",
  },
);

/** The only job type here: a job that calls a component (upstream's `type: component`). */
export const JOB_TYPES = ["component"] as const;

const jobEntries = {
  id: Id,
  type: v.optional(v.picklist(JOB_TYPES)),
  title: v.optional(Text),
  description: v.optional(Text),
  component: v.optional(
    v.union(
      [Text, v.looseObject({ type: Text })],
      (i) =>
        `expected a component id, a component type, or an inline component map with a type, found ${describeValue(i.input)}`,
    ),
  ),
  action: v.optional(Text),
  input: v.optional(v.unknown()),
  output: v.optional(v.unknown()),
  depends_on: v.optional(v.array(Id)),
  timeout: v.optional(Duration),
  retry: v.optional(RetrySchema),
  if: v.optional(v.unknown()),
};
export const JobSchema = v.looseObject(jobEntries);
/** Keys every job has (from its schema); for inline components the rest are the type's own fields. */
export const JOB_COMMON_KEYS = Object.keys(jobEntries) as readonly (keyof typeof jobEntries)[];
export type JobConfig = v.InferOutput<typeof JobSchema>;

export const WorkflowSchema = strictMap({
  id: Id,
  /** Upstream's label for a workflow; `title` is shown when both are set. */
  name: v.nullish(Text),
  // Upstream files leave these empty (`title:`) as placeholders.
  title: v.nullish(Text),
  description: v.nullish(Text),
  default: v.optional(Flag, false),
  /** Upstream's meaning: hidden from HTTP clients (not listed, not runnable over the API). */
  private: v.optional(Flag, false),
  input: v.optional(v.unknown()),
  output: v.optional(v.unknown()),
  jobs: v.pipe(v.array(JobSchema), v.minLength(1, "a workflow needs at least one job")),
});
export type WorkflowConfig = v.InferOutput<typeof WorkflowSchema>;

const LogLevel = v.picklist(
  ["debug", "info", "warning", "warn", "error", "critical"],
  (i) => `expected one of debug, info, warning, error, critical, found ${describeValue(i.input)}`,
);

export const LoggerSchema = v.variant(
  "type",
  [
    strictObjectOf({ type: v.literal("console"), level: v.optional(LogLevel, "info") }),
    strictObjectOf({ type: v.literal("file"), path: Text, level: v.optional(LogLevel, "info") }),
  ],
  (i) => `expected a logger type of console or file, found ${describeValue(i.input)}`,
);
export type LoggerConfig = v.InferOutput<typeof LoggerSchema>;

export const DocumentSchema = strictMap({
  controller: v.optional(ControllerSchema, {}),
  components: v.optional(v.array(ComponentSchema), []),
  workflows: v.optional(v.array(WorkflowSchema), []),
  logger: v.optional(v.array(LoggerSchema), []),
  plugins: v.optional(v.array(Text), []),
});
export type ComposeDocument = v.InferOutput<typeof DocumentSchema>;

/** Top-level keys a user may write (singular shorthands included), for "did you mean". */
export const TOP_LEVEL_KEYS = [
  "controller",
  "components",
  "component",
  "workflows",
  "workflow",
  "logger",
  "loggers",
  "plugins",
];
