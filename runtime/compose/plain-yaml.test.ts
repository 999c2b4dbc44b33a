// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The fast native reading of compose files must never differ from `yaml`'s: whenever
 * parse.ts takes the native path, `yaml` must accept the same text and give the same
 * value. Checked on chosen documents and on thousands of generated and mutated ones.
 */
import { describe, expect, test } from "bun:test";
import { parseNative } from "./parse.ts";
import { parseYamlLocated } from "./parse-located.ts";
import { countPlainKeys } from "./plain-yaml.ts";

type Reading = { ok: true; value: unknown } | { ok: false; error: string };

function reference(text: string): Reading {
  try {
    return { ok: true, value: parseYamlLocated(text, "f.yml") };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** Values compared with NaN, infinities and -0 told apart. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0))
      ? `number:${String(Object.is(v, -0) ? "-0" : v)}`
      : v,
  );
}

/** The invariant: the native path is taken only where `yaml` agrees. Returns whether it was taken. */
function checkAgrees(text: string): boolean {
  const native = parseNative(text, "f.yml");
  if (!native) return false;
  const ref = reference(text);
  if (!ref.ok) throw new Error(`native path took a text yaml rejects (${ref.error}):\n${text}`);
  if (canonical(native.value) !== canonical(ref.value)) {
    throw new Error(
      `values differ:\n${text}\nnative: ${canonical(native.value)}\nyaml:   ${canonical(ref.value)}`,
    );
  }
  return true;
}

describe("which texts take the native path", () => {
  const fast: Array<[string, string]> = [
    [
      "the seed's timed workflow",
      `workflow:\n  title: Timed\n  jobs:\n    - id: start-time\n      component: shell\n      command: [ date, "+%s%3N" ]\n      output: \${stdout.trim() as number}\n    - id: log\n      component: logger\n      level: info\n      message: "Execution time: \${output.end-time - output.start-time}ms"\n`,
    ],
    ["block scalars", `a: |\n  line: one\n  - two\nb: >-\n  folded # not a comment\n\nc: x\n`],
    ["comments and blank lines", `# top\n\na: 1 # c\n\n  # indented comment\nb:\n  - x   # c\n  -   y\n`],
    ["quoted keys and values", `"a key": 'it''s'\nb: "say \\"hi\\" # no comment"\n'c': "x: y"\n`],
    ["multi-line plain scalars", `a: one\n  two\n  three\nb: c\n`],
    ["flow lists over lines", `a: [x, "y, z",\n  [1, 2]]\nb: []\nc: {}\n`],
    ["nested lists and maps", `- - a\n  - b\n- k: v\n  l:\n    - m: n\n`],
    ["urls and colons inside plain values", `url: http://127.0.0.1:8080/x?a=b#frag\nt: a:b\n`],
    [
      "flow maps on one line",
      `headers: { X-Team: ml, "a key": 'v' }\ninput: { text: "\${output}" }\nc: {a: [1, {b: c}], d: {}} # note\ne:\n  - {id: a, component: b}\n`,
    ],
    ["flow maps inside flow lists over lines", `a: [{x: 1}, {y: 'z'},\n  {w: [1, 2]}]\n`],
    [
      "numbers of the core schema",
      `a: [0, -0, 007, 0o17, 0x1F, 1e3, 1.5, .5, -.5, +12, .inf, -.Inf, .NaN, 3.]\n`,
    ],
    [
      "durations, sizes and addresses",
      `controller:\n  host: 0.0.0.0\n  timeout: 1m30s\n  max_body_size: 2.5g\nruntime:\n  memory: 512m\n  ports: [127.0.0.1:8080, 10.0.0.0/8]\n  version: 1.2.3\n  grace: 30s\n  env_file: [.env, .env.production]\n  files:\n    - .gitignore\n`,
    ],
  ];
  for (const [name, text] of fast) {
    test(`native: ${name}`, () => {
      expect(countPlainKeys(text)).toBeNumber();
      expect(checkAgrees(text)).toBe(true);
    });
  }

  const slow: Array<[string, string]> = [
    ["duplicate keys", "a: 1\nb: 2\na: 3\n"],
    ["duplicate keys deeper", "w:\n  jobs:\n    - id: a\n      id: b\n"],
    ["duplicate null keys", "null: 1\n~: 2\n"],
    ["anchors and aliases", "a: &x {p: 1}\nb: *x\n"],
    ["merge keys", "base: &b\n  p: 1\nc:\n  <<: *b\n"],
    ["tags", "a: !!str 1\n"],
    ["document markers", "---\na: 1\n"],
    ["several documents", "a: 1\n---\nb: 2\n"],
    ["directives", "%YAML 1.2\n---\na: 1\n"],
    ["complex keys", "? [a]\n: 1\n"],
    ["numeric keys", "1: a\n1.0: b\n"],
    ["boolean keys", "true: a\n"],
    ["tabs", "a:\n\tb: 1\n"],
    ["carriage returns", "a: 1\r\nb: 2\r\n"],
    ["a flow map over lines", "a: {b: 1,\n  c: 2}\n"],
    ["an unclosed flow map", "a: {b: 1\n"],
    ["duplicate keys in a flow map", "a: {b: 1, b: 2}\n"],
    ["a flow map key without a value", "a: {b}\n"],
    ["a flow map key with an empty value", "a: {b: , c: 1}\n"],
    ["a trailing comma in a flow map", "a: {b: 1,}\n"],
    ["a JSON-like pair", 'a: {"b":1}\n'],
    ["a space before a flow map's colon", "a: {b : 1}\n"],
    ["a binding left unquoted in a flow map", "a: {b: ${input}}\n"],
    ["text after a flow map", "a: {b: 1} c\n"],
    ["flow pairs", "a: [b: 1]\n"],
    ["quoted scalars over lines", 'a: "one\n  two"\n'],
    ["a list on the key's line", "a: - b\n"],
    ["a nested map on the key's line", "a: b: c\n"],
    ["__proto__", "__proto__: {}\n"],
    ["number-like values outside the core schema", "a: -0x1F\n"],
    ["sexagesimal-like values", "t: 12:30\n"],
    ["spellings of infinity and NaN outside the core schema", "a: .Nan\n"],
    ["a value alone on its line", "a:\n  value\n"],
    ["a block scalar with an indentation indicator", "a: |2\n   x\n"],
    ["a flow list closed at its parent's indentation", "a: [1,\n]\n"],
    ["an unclosed flow list", "a: [1, 2\n"],
  ];
  for (const [name, text] of slow) {
    test(`yaml: ${name}`, () => {
      expect(parseNative(text, "f.yml")).toBeUndefined();
    });
  }
});

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = [
  "id",
  "jobs",
  "component",
  "command",
  "a",
  "b",
  "x-y",
  "key with space",
  "Type",
  "_k",
  "$k",
  "yes",
  "no",
  "on",
  "n",
  "y",
];
const SCALARS = [
  "hello",
  "yes",
  "no",
  "on",
  "off",
  "True",
  "FALSE",
  "null",
  "Null",
  "~",
  "0",
  "-0",
  "007",
  "0o17",
  "0x1F",
  "1e3",
  "1.5",
  ".5",
  "-.5",
  "+12",
  ".inf",
  "-.Inf",
  ".NaN",
  "1_000",
  "2001-12-14",
  "12:30",
  "1,000",
  "${input.x}",
  '${env.HOME | "d"}',
  "${stdout.trim() as number}",
  "http://h:80/p#f",
  "a#b",
  "a, b",
  "'single'",
  "'it''s'",
  '"double"',
  '"esc \\" \\\\ \\t \\u263A \\x41"',
  '"a: b"',
  "'# no comment'",
  "echo hi && ls *",
  "x!y",
  "a&b",
  "9007199254740993",
  "3.",
  "0.",
  "-",
  "--x",
  "a:b",
  "[1, b, 'c']",
  "[]",
  "{}",
  "{a: 1}",
  "{ id: x, component: shell }",
  "{a: [1, {b: 'c'}], d: {}}",
  '{ text: "${output}", n: 1.5 }',
  "{a: 1, a: 2}",
  "{a: }",
  "{a}",
  "{a: b: c}",
  "{ yes: no }",
  "{a: 1,}",
  "[{a: 1}, {b: 2}]",
  "./file.ts",
  "-la",
  "+%s%3N",
  ".hidden",
  "-",
  '""',
  "''",
  "",
  "@x",
  "`x",
  "%x",
  "!x",
  "&x",
  "*x",
  "? x",
  "| x",
  "> x",
  "- x",
  "a: b",
  "[a",
  "a]",
  "{a",
];

/** A flow list or map on one line, of keys and scalars from the lists above (keys now and then twice). */
function generateFlow(next: () => number, depth = 0): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  if (depth > 2 || next() < 0.35) return pick(SCALARS) || "x";
  const n = Math.floor(next() * 4);
  const items = Array.from({ length: n }, () => generateFlow(next, depth + 1));
  if (next() < 0.4) return `[${items.join(", ")}]`;
  const used: string[] = [];
  const pairs = items.map((item) => {
    const key = used.length && next() < 0.05 ? pick(used) : pick(KEYS);
    used.push(key);
    return `${next() < 0.1 ? JSON.stringify(key) : key}: ${item}`;
  });
  return next() < 0.5 ? `{${pairs.join(", ")}}` : `{ ${pairs.join(", ")} }`;
}

function generateDocument(next: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const lines: string[] = [];
  const emit = (indent: number, text: string) => lines.push(" ".repeat(indent) + text);
  const node = (indent: number, depth: number, prefix: string): void => {
    const r = next();
    if (depth > 3 || r < 0.45) {
      const roll = next();
      if (roll < 0.1) {
        emit(indent, `${prefix}${pick(["|", ">", "|-", ">+", "|2"])}`);
        const n = 1 + Math.floor(next() * 3);
        for (let i = 0; i < n; i++) emit(indent + 2 + (next() < 0.2 ? 1 : 0), pick(SCALARS) || "text");
      } else if (roll < 0.15) {
        emit(indent, `${prefix}${pick(SCALARS)}`);
        emit(indent + 2, pick(SCALARS));
      } else if (roll < 0.35) emit(indent, `${prefix}${generateFlow(next)}`);
      else emit(indent, `${prefix}${pick(SCALARS)}${next() < 0.1 ? " # note" : ""}`);
      return;
    }
    if (r < 0.75) {
      const n = 1 + Math.floor(next() * 4);
      const used: string[] = [];
      const first = prefix;
      for (let i = 0; i < n; i++) {
        // Now and then a key written twice.
        const key = used.length && next() < 0.05 ? pick(used) : pick(KEYS);
        used.push(key);
        const written = next() < 0.1 ? JSON.stringify(key) : key;
        const lead = i === 0 ? first : " ".repeat(first.length);
        if (next() < 0.8) node(indent, depth + 1, `${lead}${written}: `);
        else {
          emit(indent, `${lead}${written}:`);
          node(indent + 2, depth + 1, "");
        }
      }
      return;
    }
    if (prefix) {
      emit(indent, prefix.trimEnd());
      indent += 2;
    }
    const n = 1 + Math.floor(next() * 3);
    for (let i = 0; i < n; i++) node(indent, depth + 1, "- ");
    if (next() < 0.1) lines.push("");
    if (next() < 0.1) emit(indent, "# comment");
  };
  node(0, 0, "");
  return `${lines.join("\n")}\n`;
}

const MUTATIONS = [
  ":",
  " ",
  "\n",
  "#",
  "'",
  '"',
  "-",
  "- ",
  ": ",
  "&",
  "*",
  "[",
  "]",
  "{",
  "}",
  ",",
  "|",
  "\t",
  "\\",
  "  ",
];

function mutate(text: string, next: () => number): string {
  let out = text;
  const n = 1 + Math.floor(next() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(next() * (out.length + 1));
    if (next() < 0.3) out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + MUTATIONS[Math.floor(next() * MUTATIONS.length)] + out.slice(at);
  }
  return out;
}

describe("number-like strings the native path takes", () => {
  test("generated durations, sizes, dotted numerals and dot-files read the same in both parsers", () => {
    const next = rng(20261204);
    const digits = () => String(Math.floor(next() * (next() < 0.2 ? 100000 : 300)));
    const unit = () =>
      ["s", "ms", "m", "h", "d", "g", "k", "mb", "gib", "e", "E", "x", "b", "inf", "NaN"][
        Math.floor(next() * 15)
      ];
    const number = () => digits() + (next() < 0.3 ? `.${digits()}` : "");
    let taken = 0;
    for (let i = 0; i < 3000; i++) {
      let value: string;
      const pick = next();
      if (pick < 0.2) {
        const chars = "abcxyzENVInfNa_019.-";
        value = `.${"eiInN_"[Math.floor(next() * 6)]}`;
        const n = Math.floor(next() * 8);
        for (let k = 0; k < n; k++) value += chars[Math.floor(next() * chars.length)];
      } else if (pick < 0.6) {
        value = number() + unit();
        while (next() < 0.3) value += number() + unit();
      } else {
        value = Array.from({ length: 3 + Math.floor(next() * 3) }, digits).join(".");
        if (next() < 0.3) value += `:${digits()}`;
        if (next() < 0.3) value += `/${digits()}`;
      }
      const text = `a: ${value}\nb: [${value}, x]\nc: {d: ${value}}\n`;
      if (checkAgrees(text)) taken++;
    }
    // Nearly all are in the subset now (some generated ones are core numbers, also
    // taken; a few are left to yaml: 0x-prefixed text, .inf and .nan spellings).
    expect(taken).toBeGreaterThan(2800);
  });
});

describe("generated documents: the native reading agrees with yaml's", () => {
  test("4000 generated documents", () => {
    const next = rng(20261122);
    let native = 0;
    let withFlowMaps = 0;
    for (let i = 0; i < 4000; i++) {
      const text = generateDocument(next);
      if (!checkAgrees(text)) continue;
      native++;
      if (/(^|[^$])\{ ?[A-Za-z_"]/.test(text)) withFlowMaps++;
    }
    // Enough of them are in the plain subset to exercise it; the check above is the point.
    expect(native).toBeGreaterThan(500);
    expect(withFlowMaps).toBeGreaterThan(100);
  });

  test("4000 mutated documents (mostly broken YAML)", () => {
    const next = rng(7);
    let native = 0;
    for (let i = 0; i < 4000; i++) if (checkAgrees(mutate(generateDocument(next), next))) native++;
    expect(native).toBeGreaterThan(200);
  });
});
