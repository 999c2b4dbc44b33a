/**
 * Metrics given as data -> the Prometheus text exposition format (version 0.0.4), the
 * body the Pushgateway takes. Names are checked before anything is sent.
 */

export const METRIC_TYPES = ["gauge", "counter", "untyped"] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** One series of a metric family. */
export interface Sample {
  value: number;
  labels: Record<string, string>;
}

/** A metric family: a name, its type and help, and one or more series. */
export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Why `name` is not a valid metric name, or undefined when it is. */
export function metricNameProblem(name: string): string | undefined {
  if (METRIC_NAME.test(name)) return undefined;
  return `invalid metric name ${JSON.stringify(name)}: expected letters, digits, _ and :, not starting with a digit`;
}

/** Why `name` is not a valid label name, or undefined when it is. */
export function labelNameProblem(name: string): string | undefined {
  if (!LABEL_NAME.test(name)) {
    return `invalid label name ${JSON.stringify(name)}: expected letters, digits and _, not starting with a digit`;
  }
  if (name.startsWith("__"))
    return `invalid label name ${JSON.stringify(name)}: names starting with __ are reserved`;
  return undefined;
}

/** `\` and newline escaped, for `# HELP` text. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** `\`, `"` and newline escaped, for a label value inside double quotes. */
export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** A sample value as Prometheus writes it: NaN, +Inf, -Inf or a float. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/**
 * The families as exposition text: `# HELP`, `# TYPE` and one line per series, each
 * line ending in a newline.
 *
 * @example
 * ```ts
 * renderExposition([{ name: "jobs_total", type: "counter", help: "Jobs run", samples: [{ value: 3, labels: { kind: "a" } }] }]);
 * // # HELP jobs_total Jobs run
 * // # TYPE jobs_total counter
 * // jobs_total{kind="a"} 3
 * ```
 */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (family.help !== undefined) lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels)
        .map(([k, val]) => `${k}="${escapeLabelValue(val)}"`)
        .join(",");
      lines.push(`${family.name}${labels ? `{${labels}}` : ""} ${formatValue(sample.value)}`);
    }
  }
  return lines.map((line) => `${line}\n`).join("");
}

const SPEC_KEYS = ["value", "type", "help", "labels"];

/**
 * The job input's `metrics:` map (name -> number, `{value, type, help, labels}`, or a
 * list of those for several series of one metric) as checked metric families.
 * `reserved` are label names the metrics must not set (the grouping labels and `job`),
 * with the values they have there.
 */
export function parseMetrics(metrics: unknown, reserved: Record<string, string> = {}): MetricFamily[] {
  if (metrics === null || typeof metrics !== "object" || Array.isArray(metrics)) {
    throw new Error(`\`metrics\` must be a map of metric name to value, found ${kind(metrics)}`);
  }
  const families: MetricFamily[] = [];
  for (const [name, spec] of Object.entries(metrics)) {
    const problem = metricNameProblem(name);
    if (problem) throw new Error(problem);
    const items = Array.isArray(spec) ? spec : [spec];
    if (items.length === 0) throw new Error(`metric ${name}: an empty list has no series`);
    const family: MetricFamily = { name, type: "untyped", samples: [] };
    let type: MetricType | undefined;
    const seen = new Set<string>();
    for (const item of items) {
      const sample = parseSample(name, item, reserved);
      if (item !== null && typeof item === "object") {
        const t = (item as { type?: unknown }).type;
        if (t !== undefined) {
          const parsed = parseType(name, t);
          if (type !== undefined && type !== parsed) {
            throw new Error(`metric ${name}: its series give different types (${type} and ${parsed})`);
          }
          type = parsed;
        }
        const help = (item as { help?: unknown }).help;
        if (help !== undefined) {
          if (typeof help !== "string")
            throw new Error(`metric ${name}: \`help\` must be a string, found ${kind(help)}`);
          if (family.help !== undefined && family.help !== help) {
            throw new Error(`metric ${name}: its series give different help texts`);
          }
          family.help = help;
        }
      }
      const key = JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
      if (seen.has(key)) throw new Error(`metric ${name}: two series with the same labels ${key}`);
      seen.add(key);
      family.samples.push(sample);
    }
    family.type = type ?? "untyped";
    families.push(family);
  }
  return families;
}

function parseSample(name: string, spec: unknown, reserved: Record<string, string>): Sample {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    return { value: parseValue(name, spec), labels: {} };
  }
  const fields = spec as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!SPEC_KEYS.includes(key)) {
      throw new Error(
        `metric ${name}: unknown key ${JSON.stringify(key)} (valid keys: ${SPEC_KEYS.join(", ")})`,
      );
    }
  }
  if (!("value" in fields)) throw new Error(`metric ${name}: missing \`value\``);
  const labels: Record<string, string> = {};
  const raw = fields.labels ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`metric ${name}: \`labels\` must be a map of label name to value, found ${kind(raw)}`);
  }
  for (const [label, val] of Object.entries(raw as Record<string, unknown>)) {
    const problem = labelNameProblem(label);
    if (problem) throw new Error(`metric ${name}: ${problem}`);
    if (typeof val !== "string" && typeof val !== "number" && typeof val !== "boolean") {
      throw new Error(
        `metric ${name}: label ${label} must be a string, number or boolean, found ${kind(val)}`,
      );
    }
    const text = String(val);
    if (label in reserved && reserved[label] !== text) {
      throw new Error(
        `metric ${name}: label ${label}=${JSON.stringify(text)} conflicts with the grouping label ${label}=${JSON.stringify(reserved[label])}; set it in \`grouping\` (or \`job\`) only`,
      );
    }
    labels[label] = text;
  }
  return { value: parseValue(name, fields.value), labels };
}

const SPECIAL: Record<string, number> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  "+inf": Number.POSITIVE_INFINITY,
  "-inf": Number.NEGATIVE_INFINITY,
};

/** A number, a numeric string (values from bindings are often text), NaN/+Inf/-Inf, or a boolean (1/0). */
function parseValue(name: string, value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") {
    const text = value.trim();
    const special = SPECIAL[text.toLowerCase()];
    if (special !== undefined) return special;
    const n = Number(text);
    if (text !== "" && !Number.isNaN(n)) return n;
  }
  throw new Error(`metric ${name}: value must be a number, found ${kind(value)}`);
}

function parseType(name: string, type: unknown): MetricType {
  if (typeof type === "string" && (METRIC_TYPES as readonly string[]).includes(type))
    return type as MetricType;
  throw new Error(`metric ${name}: type ${kind(type)} is not supported (use ${METRIC_TYPES.join(", ")})`);
}

function kind(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}
