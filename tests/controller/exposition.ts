/**
 * A strict parser for the Prometheus text exposition format (version 0.0.4), for tests:
 * every line must be a HELP, TYPE, comment, sample or empty line; label syntax, escapes and
 * values are checked; every sample must belong to a family with a TYPE declared before
 * it; histograms must have cumulative buckets ending in `+Inf` equal to `_count`.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The family (TYPE name) the sample belongs to. */
  family: string;
}

export interface Family {
  name: string;
  type: string;
  help?: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
/** Samples a family of each type may have, by suffix added to the family name. */
const SUFFIXES: Record<string, string[]> = {
  counter: ["", "_total", "_created"],
  gauge: [""],
  untyped: [""],
  histogram: ["_bucket", "_sum", "_count", "_created"],
  summary: ["", "_sum", "_count", "_created"],
};

/**
 * A sample value as Prometheus reads it: Go's `strconv.ParseFloat` minus what Prometheus'
 * text parser refuses first (`p`/`P` hex exponents and `_` digit separators). So decimal
 * floats, and `NaN`, `Inf`, `Infinity` (the latter two signed) in any letter case: prom-client
 * prints `Nan`, which Prometheus takes as NaN.
 */
export function parseValue(text: string, where: string): number {
  const special = /^([-+]?)(inf|infinity)$/i.exec(text);
  if (special) return special[1] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value "${text}"`);
  return Number(text);
}

/** Parses `{a="x",b="y"}` starting at `line[start] === "{"`; returns the labels and the index after `}`. */
function parseLabels(line: string, start: number, where: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (line[i] === "}") return [labels, i + 1];
    const eq = line.indexOf("=", i);
    if (eq < 0) throw new Error(`${where}: label without "="`);
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name "${name}"`);
    if (name in labels) throw new Error(`${where}: duplicate label "${name}"`);
    if (line[eq + 1] !== '"') throw new Error(`${where}: label value of "${name}" is not quoted`);
    let value = "";
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === "\\") {
        const next = line[++j];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else throw new Error(`${where}: bad escape "\\${next}" in label "${name}"`);
      } else value += line[j];
    }
    if (j >= line.length) throw new Error(`${where}: unterminated value of label "${name}"`);
    labels[name] = value;
    i = j + 1;
    if (line[i] === ",") i++;
    else if (line[i] !== "}") throw new Error(`${where}: expected "," or "}" after label "${name}"`);
  }
}

/** Parses an exposition text; throws on the first line that breaks the format. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (text !== "" && !text.endsWith("\n")) throw new Error("the text does not end with a line feed");
  text.split("\n").forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line.slice(0, 80))})`;
    if (line === "") return; // the format ignores empty lines
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`);
      const family = families.get(name);
      if (kind === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type "${rest}"`);
        if (family?.type) throw new Error(`${where}: second TYPE for ${name}`);
        if (family?.samples.length) throw new Error(`${where}: TYPE after samples of ${name}`);
        families.set(name, { name, help: family?.help, type: rest, samples: [] });
      } else {
        if (family?.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        if (/\\[^n\\]/.test(rest)) throw new Error(`${where}: bad escape in HELP`);
        families.set(name, { name, type: family?.type ?? "", help: rest, samples: family?.samples ?? [] });
      }
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`${where}: not a sample line`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === "{") [labels, i] = parseLabels(line, i, where);
    if (line[i] !== " ") throw new Error(`${where}: expected a space before the value`);
    const parts = line.slice(i + 1).split(" ");
    if (parts.length > 2 || parts[0] === "") throw new Error(`${where}: expected "value [timestamp]"`);
    const value = parseValue(parts[0], where);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1]))
      throw new Error(`${where}: bad timestamp "${parts[1]}"`);
    const family = [...families.values()].find(
      (f) => f.type && SUFFIXES[f.type].some((s) => f.name + s === name),
    );
    if (!family) throw new Error(`${where}: sample ${name} has no TYPE declared before it`);
    if (family.type === "histogram" && name.endsWith("_bucket") && labels.le === undefined) {
      throw new Error(`${where}: histogram bucket without "le"`);
    }
    family.samples.push({ name, labels, value, family: family.name });
  });
  for (const family of families.values()) {
    if (!family.type) throw new Error(`HELP for ${family.name} without a TYPE`);
    if (family.type === "histogram") checkHistogram(family);
  }
  return families;
}

/** Buckets per label set are cumulative, end with +Inf, and +Inf equals _count. */
function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name.endsWith("_bucket")) entry.buckets.push([parseValue(le, family.name), s.value]);
    if (s.name.endsWith("_count")) entry.count = s.value;
  }
  for (const [key, { buckets, count }] of series) {
    const where = `${family.name}${key}`;
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i][0] <= buckets[i - 1][0])
        throw new Error(`${where}: buckets not in increasing "le" order`);
      if (buckets[i][1] < buckets[i - 1][1]) throw new Error(`${where}: buckets not cumulative`);
    }
    const last = buckets.at(-1);
    if (!last || last[0] !== Number.POSITIVE_INFINITY) throw new Error(`${where}: no +Inf bucket`);
    if (count !== last[1]) throw new Error(`${where}: +Inf bucket ${last[1]} != _count ${count}`);
  }
}

/** The value of the sample `name` whose labels include `labels` (undefined when there is none). */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, val]) => s.labels[k] === val)) return s.value;
    }
  }
  return undefined;
}
