// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The compose loader on randomly mutated files (fast-check): whatever the text, loading
 * ends with success or a configuration error (exit 0 or 2; 1 is a run failure, which
 * loading never is), every configuration error says file:line:column, and each case ends
 * within a time bound. Seeds are the examples and files that use most of the syntax;
 * mutations are edits a hurried writer or a fuzzer makes: deleted and repeated spans,
 * YAML punctuation, tags, anchors and aliases, `__proto__`, re-indented lines.
 *
 * Most cases load in-process (the `loadProject` the CLI calls); a sample goes through the
 * real CLI (`config`), where the exit code and the `error:` lines are what is checked and a
 * case that hangs is killed after the time bound.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { loadProject } from "../../mod.ts";
import { ConfigError, ConfigErrors } from "../../runtime/errors.ts";
import { selectWorkflow } from "../../runtime/workflow/run-workflow.ts";
import { cliPath, repoRoot, tempDir, writeFiles } from "./helpers.ts";

/** A case that takes longer than this has hung or blown up (an alias bomb took 42 s). */
const TIME_BOUND_MS = 10_000;
const IN_PROCESS_RUNS = Number(process.env.LOADER_PROPERTY_RUNS ?? 400);
const CLI_RUNS = Number(process.env.LOADER_PROPERTY_CLI_RUNS ?? 40);
/**
 * A fixed seed keeps the suite deterministic; set LOADER_PROPERTY_SEED (and more runs)
 * to explore other files. A failure prints the seed and the shrunk file.
 */
const SEED = Number(process.env.LOADER_PROPERTY_SEED ?? 20261201);

const examples = ["logging", "prometheus", "timed-workflow"].map((name) =>
  readFileSync(path.join(repoRoot, "examples", name, "model-compose.yml"), "utf8"),
);

const seeds = [
  ...examples,
  `controller:
  port: 8080
  max_concurrent_count: 2
  runtime: native
components:
  - id: greet
    type: shell
    command: echo hello \${input.name | world}
    timeout: 5s
    output: \${stdout.trim()}
    actions:
      - id: loud
        command: [echo, HELLO]
workflows:
  - id: main
    default: true
    input:
      name: \${input.name as text | x}
    jobs:
      - id: a
        component: greet
      - id: b
        component: greet
        action: loud
        depends_on: [a]
        if: \${jobs.a.output}
        retry: { max_attempts: 2, delay: 10ms }
    output:
      first: \${jobs.a.output}
      second: \${jobs.b.output}
`,
  `defaults: &defaults
  type: shell
  timeout: 1m
components:
  - <<: *defaults
    id: one
    command: "printf '%s' \${input.x}"
  - <<: *defaults
    id: two
    command: 'echo "\${env.HOME | none}"'
workflow:
  jobs:
    - { id: a, component: one, input: { x: "\${input.y}" } }
    - id: b
      component: two
  output: |
    a: \${jobs.a.output}
    b: \${jobs.b.output}
logger:
  type: console
  level: warn
`,
  `workflow:
  component:
    type: http-client
    base_url: http://127.0.0.1:9/api
    path: /items/\${input.id}
    method: POST
    headers: { Authorization: "Bearer \${env.TOKEN | t}" }
    body: { tags: [a, b, "...\${input.tags}"] }
  output: \${response.items[0].name}
`,
  `controller:
  runtime:
    type: docker
    image: alpine:3
    ports: ["8080:8080"]
    environment: { A: "1" }
workflow:
  component: logger
  input: { message: "\${input}" }
`,
];

/** One edit to a compose text; `at` is a fraction of the text's length. */
type Mutation =
  | { kind: "delete"; at: number; length: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "repeat"; at: number; length: number; times: number }
  | { kind: "indent"; line: number; by: number }
  | { kind: "swap"; line: number; other: number };

const snippets = [
  ":",
  ": ",
  "- ",
  "\n",
  "\n  ",
  " ",
  "  ",
  "\t",
  "{",
  "}",
  "[",
  "]",
  ",",
  "#",
  "'",
  '"',
  "|",
  ">",
  "?",
  "&a ",
  "*a",
  "<<: *a\n",
  "!!binary ",
  "!!omap ",
  "!!str ",
  "!local ",
  "__proto__: 1\n",
  "__proto__",
  "${",
  "}",
  "${input.",
  "${env.X}",
  "${jobs.a.output}",
  " as json",
  " | ",
  "---\n",
  "%YAML 1.2\n",
  "null",
  "~",
  "true",
  "0x1F",
  "1e999",
  "-1",
  "id",
  "id: x\n",
  "type: shell\n",
  "component: ",
  "workflows",
  "components",
  "jobs",
  "\\",
  "\u0000",
  "\ufeff",
  "é",
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("delete" as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fc.oneof(fc.constantFrom(...snippets), fc.string({ maxLength: 6 })),
  }),
  fc.record({
    kind: fc.constant("repeat" as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 80 }),
    times: fc.integer({ min: 2, max: 4 }),
  }),
  fc.record({
    kind: fc.constant("indent" as const),
    line: fc.nat(),
    by: fc.integer({ min: -4, max: 4 }),
  }),
  fc.record({ kind: fc.constant("swap" as const), line: fc.nat(), other: fc.nat() }),
);

function apply(text: string, m: Mutation): string {
  const pos = Math.floor(("at" in m ? m.at : 0) * text.length);
  switch (m.kind) {
    case "delete":
      return text.slice(0, pos) + text.slice(pos + m.length);
    case "insert":
      return text.slice(0, pos) + m.text + text.slice(pos);
    case "repeat": {
      const span = text.slice(pos, pos + m.length);
      return text.slice(0, pos) + span.repeat(m.times) + text.slice(pos + m.length);
    }
    case "indent": {
      const lines = text.split("\n");
      const i = m.line % lines.length;
      lines[i] = m.by >= 0 ? " ".repeat(m.by) + lines[i] : lines[i].replace(new RegExp(`^ {0,${-m.by}}`), "");
      return lines.join("\n");
    }
    case "swap": {
      const lines = text.split("\n");
      const i = m.line % lines.length;
      const j = m.other % lines.length;
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join("\n");
    }
  }
}

/**
 * Edits of the parsed document, written back as YAML: they keep the syntax valid, so
 * the file reaches validation, the bindings and the model's checks.
 */
type TreeEdit =
  | { kind: "replace"; at: number; value: unknown }
  | { kind: "remove"; at: number }
  | { kind: "add"; at: number; key: string; value: unknown }
  /** A value nested `depth` lists deep, written in flow style: `[[[...]]]`. */
  | { kind: "nest"; at: number; depth: number };

const keyNames = fc.constantFrom(
  "id",
  "type",
  "component",
  "command",
  "jobs",
  "depends_on",
  "output",
  "input",
  "action",
  "actions",
  "default",
  "workflows",
  "workflow",
  "components",
  "controller",
  "runtime",
  "port",
  "timeout",
  "retry",
  "if",
  "logger",
  "plugins",
  "x",
);

const bindings = fc.constantFrom(
  "${input}",
  "${input.x}",
  "${env.X}",
  "${env.HOME | y}",
  "${jobs.a.output}",
  "${jobs.nope.output}",
  "${output}",
  "${stdout.trim() as json}",
  "${input.n as number | 1}",
  "${",
  "${input.x",
  "${ }",
  "${input.x.y[0]}",
  "${1 + }",
  "$${literal}",
  "...${input.tags}",
  "30s",
  "1m30s",
  "5x",
  "native",
  "docker",
  "shell",
  "logger",
  "http-client",
  "a",
  "b",
);

const leafValue: fc.Arbitrary<unknown> = fc.oneof(
  bindings,
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -2, max: 70000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const treeValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: leafValue },
  { weight: 1, arbitrary: fc.array(leafValue, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(keyNames, leafValue, { maxKeys: 3 }) },
);

const treeEdit: fc.Arbitrary<TreeEdit> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: treeValue }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("remove" as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      at: fc.nat(),
      key: keyNames,
      value: treeValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("nest" as const),
      at: fc.nat(),
      depth: fc.integer({ min: 1, max: 5000 }),
    }),
  },
);

/** Every [container, key] of a parsed tree, in a stable order. */
function slots(root: unknown): Array<[Record<string | number, unknown>, string | number]> {
  const out: Array<[Record<string | number, unknown>, string | number]> = [];
  const visit = (node: unknown) => {
    if (node === null || typeof node !== "object") return;
    const container = node as Record<string | number, unknown>;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    for (const key of keys) {
      out.push([container, key]);
      visit(container[key]);
    }
  };
  visit(root);
  return out;
}

function editTree(text: string, edits: TreeEdit[]): string {
  const doc = parse(text, { merge: true }) as unknown;
  for (const edit of edits) {
    const all = slots(doc);
    if (all.length === 0) break;
    const [container, key] = all[edit.at % all.length];
    if (edit.kind === "replace") container[key] = edit.value;
    else if (edit.kind === "nest") container[key] = `NEST-${edit.depth}`;
    else if (edit.kind === "remove") {
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key];
    } else {
      const target = container[key];
      if (Array.isArray(target)) target.push(edit.value);
      else if (target && typeof target === "object")
        (target as Record<string, unknown>)[edit.key] = edit.value;
      else container[key] = { [edit.key]: edit.value };
    }
  }
  return stringify(doc).replace(
    /NEST-([0-9]+)/g,
    (_, n: string) => "[".repeat(Number(n)) + "]".repeat(Number(n)),
  );
}

const mutatedFile = fc.oneof(
  fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) => edits.reduce(apply, seed)),
  fc
    .tuple(fc.constantFrom(...seeds), fc.array(treeEdit, { minLength: 1, maxLength: 3 }))
    .map(([seed, edits]) => editTree(seed, edits)),
);

/** `F:L:C: ` for file F: at the start of an error, or of an indented line of one. */
function locatedIn(file: string): RegExp {
  return new RegExp(`(^|\\n) *${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:[1-9][0-9]*:[1-9][0-9]*: `);
}

interface Outcome {
  code: 0 | 2;
  /** Error messages (code 2). */
  errors: string[];
}

/** Loads `text` as the CLI's `config` and `run` would (without running anything). */
async function loadInProcess(dir: string, file: string, text: string): Promise<Outcome> {
  writeFiles(dir, { "model-compose.yml": text });
  try {
    const project = await loadProject({ files: [file], cwd: dir, processEnv: {} });
    // `run` without a workflow id picks the default: its errors are about the file too.
    try {
      selectWorkflow(project);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { code: 2, errors: [error.message] };
    }
    return { code: 0, errors: [] };
  } catch (error) {
    if (error instanceof ConfigErrors) return { code: 2, errors: error.errors.map((e) => e.message) };
    if (error instanceof ConfigError) return { code: 2, errors: [error.message] };
    // Anything else would be exit 1 from a load: an internal error, never a right answer.
    throw new Error(`loading failed with ${(error as Error)?.stack ?? String(error)}\n--- file ---\n${text}`);
  }
}

/** Errors about the file's content that name no file:line:column: there must be none. */
function unlocated(errors: string[], file: string): string[] {
  const at = locatedIn(file);
  return errors.filter((e) => !at.test(e));
}

/**
 * The CLI's `error:` lines grouped back into errors: an error of several lines prints
 * its first line and then lines indented by two spaces.
 */
function errorsOf(lines: string[]): string[] {
  const errors: string[] = [];
  for (const line of lines) {
    if (line.startsWith("  ") && errors.length > 0) errors[errors.length - 1] += `\n${line}`;
    else errors.push(line);
  }
  return errors;
}

describe("the compose loader on mutated files (property-based)", () => {
  test(
    `${IN_PROCESS_RUNS} mutated files load in-process: success or errors with file:line:column, each within ${TIME_BOUND_MS / 1000} s`,
    async () => {
      const dir = tempDir();
      const file = path.join(dir, "model-compose.yml");
      const counts = { ok: 0, config: 0 };
      let slowest = 0;
      const t0 = performance.now();
      await fc.assert(
        fc.asyncProperty(mutatedFile, async (text) => {
          const start = performance.now();
          const outcome = await loadInProcess(dir, file, text);
          const ms = performance.now() - start;
          slowest = Math.max(slowest, ms);
          if (outcome.code === 0) counts.ok++;
          else counts.config++;
          if (ms > TIME_BOUND_MS) throw new Error(`loading took ${Math.round(ms)} ms:\n${text}`);
          const missing = unlocated(outcome.errors, file);
          if (missing.length) throw new Error(`errors without file:line:column: ${missing.join("\n")}`);
        }),
        { numRuns: IN_PROCESS_RUNS, seed: SEED },
      );
      const total = performance.now() - t0;
      console.log(
        `loader property (in-process): ${IN_PROCESS_RUNS} cases, ${counts.ok} loaded, ${counts.config} refused; ${Math.round(total)} ms in all, slowest ${Math.round(slowest)} ms`,
      );
      expect(counts.ok + counts.config).toBe(IN_PROCESS_RUNS);
    },
    IN_PROCESS_RUNS * TIME_BOUND_MS,
  );

  test(
    `${CLI_RUNS} mutated files through the CLI: exit 0 or 2, every error line with file:line:column, each within ${TIME_BOUND_MS / 1000} s`,
    async () => {
      const dir = tempDir();
      const file = path.join(dir, "model-compose.yml");
      const codes = new Map<number, number>();
      let slowest = 0;
      const t0 = performance.now();
      await fc.assert(
        fc.asyncProperty(mutatedFile, async (text) => {
          writeFiles(dir, { "model-compose.yml": text });
          const start = performance.now();
          const proc = Bun.spawn(["bun", "--no-env-file", cliPath, "-f", file, "config"], {
            cwd: dir,
            env: { PATH: process.env.PATH ?? "" },
            stdout: "pipe",
            stderr: "pipe",
            stdin: "ignore",
          });
          const timer = setTimeout(() => proc.kill("SIGKILL"), TIME_BOUND_MS);
          const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
          await new Response(proc.stdout).text();
          clearTimeout(timer);
          slowest = Math.max(slowest, performance.now() - start);
          codes.set(code, (codes.get(code) ?? 0) + 1);
          if (proc.signalCode === "SIGKILL")
            throw new Error(`config did not end within ${TIME_BOUND_MS} ms:\n${text}`);
          if (code !== 0 && code !== 2) throw new Error(`exit ${code}:\n${stderr}\n--- file ---\n${text}`);
          if (code === 2) {
            const lines = stderr
              .split("\n")
              .filter((l) => l.startsWith("error: "))
              .map((l) => l.slice("error: ".length));
            if (lines.length === 0) throw new Error(`exit 2 without an error line:\n${stderr}`);
            const missing = unlocated(errorsOf(lines), file);
            if (missing.length)
              throw new Error(`error lines without file:line:column: ${missing.join("\n")}`);
          }
        }),
        { numRuns: CLI_RUNS, seed: SEED },
      );
      const total = performance.now() - t0;
      console.log(
        `loader property (CLI): ${CLI_RUNS} cases, exit codes ${JSON.stringify(Object.fromEntries(codes))}; ${Math.round(total)} ms in all, slowest ${Math.round(slowest)} ms`,
      );
      expect([...codes.keys()].every((c) => c === 0 || c === 2)).toBe(true);
    },
    CLI_RUNS * TIME_BOUND_MS,
  );
});
