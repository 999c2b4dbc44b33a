// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are compose-file text, not JS templates
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { printYaml } from "./yaml-print.ts";

/** Both readers the project uses must read the printed text back as the value. */
function readsBack(value: unknown): void {
  const text = printYaml(value);
  expect(parse(text)).toEqual(value);
  // Bun's reader takes even a quoted "<<" key for a merge key (and so does the loader
  // where it reads with Bun): such a value is checked with `yaml` alone.
  if (!JSON.stringify(value).includes('"<<":')) expect(Bun.YAML.parse(text)).toEqual(value);
}

/** Strings a YAML reader may take for something else, or that need care to write. */
const tricky = [
  "",
  " ",
  "~",
  "null",
  "Null",
  "NULL",
  "true",
  "False",
  "yes",
  "No",
  "on",
  "OFF",
  "y",
  "n",
  ".inf",
  "-.Inf",
  ".nan",
  "<<",
  "=",
  "0",
  "-0",
  "+1",
  "1.",
  ".5",
  "1e3",
  "1E-3",
  "1_000",
  "0x1F",
  "0o17",
  "0b101",
  "017",
  "1:20",
  "190:20:30",
  "2001-12-14",
  "2001-12-14t21:59:43.10-05:00",
  "30s",
  "1.5GB",
  "v1.2.3",
  "- item",
  "-x",
  "? q",
  ": v",
  "a: b",
  "a:",
  "a #b",
  "#c",
  "&a",
  "*a",
  "!tag",
  "|",
  ">",
  "'q'",
  '"q"',
  "%d",
  "@x",
  "`x`",
  "[a]",
  "{a}",
  "a, b",
  "${input}",
  "${jobs.a.output as json}",
  "x\ty",
  "tab\tend\t",
  "lead ",
  " lead",
  "a\rb",
  "\u0085",
  "\u2028",
  "\ufeffbom",
  "emoji 🎉",
  "line\n",
  "line",
  "a\nb",
  "a\nb\n",
  "a\nb\n\n",
  "a\n\n\nb",
  "\nlead",
  "  indented\nnext",
  "x\n  indented\n",
  "a\n \n",
  'echo "hi"\nexit 1\n',
  "a\\b",
  "---",
  "...",
  "--- a",
  "... a",
  "---a",
  "a\n---\nb",
  "a\n...\n",
];

// Strings as a compose file (UTF-8 text) can hold them: no lone surrogates.
const text = fc.string({ unit: "binary" }).filter((s) => !/\p{Cs}/u.test(s));

const scalars = fc.oneof(
  fc.constantFrom(...tricky),
  text,
  fc.string({ unit: fc.constantFrom("a", " ", "\n", ":", "#", "-", "$", "{", "}", "1", ".", "\t", '"') }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);

const values = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, scalars, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.constantFrom(...tricky), text), tie("value"), { maxKeys: 4 }),
})).value;

describe("printYaml", () => {
  test("every tricky string reads back as itself: as the document, a value and a key", () => {
    for (const s of tricky) {
      readsBack(s);
      readsBack({ k: s });
      readsBack([s, [s]]);
      readsBack({ [s]: 1 });
      readsBack({ jobs: [{ id: "a", command: s }] });
    }
  });

  test("any JSON-like value reads back as itself with both readers", () => {
    fc.assert(
      fc.property(values, (v) => readsBack(v)),
      { numRuns: 3000 },
    );
  });

  test("a compose file prints as people write it", () => {
    const doc = {
      components: {
        build: { type: "shell", command: "set -e\necho ${input.text}\n", timeout: "30s" },
        log: { type: "logger", level: "info" },
      },
      workflows: {
        main: {
          default: true,
          jobs: [
            { id: "a", component: "build", input: "${input}" },
            { id: "b", component: "log", depends_on: ["a"], input: { text: "${jobs.a.output}", count: 2 } },
          ],
        },
      },
      empty: {},
      none: [],
    };
    const text = printYaml(doc);
    expect(text).toBe(
      [
        "components:",
        "  build:",
        "    type: shell",
        "    command: |",
        "      set -e",
        "      echo ${input.text}",
        "    timeout: 30s",
        "  log:",
        "    type: logger",
        "    level: info",
        "workflows:",
        "  main:",
        "    default: true",
        "    jobs:",
        "      - id: a",
        "        component: build",
        "        input: ${input}",
        "      - id: b",
        "        component: log",
        "        depends_on:",
        "          - a",
        "        input:",
        "          text: ${jobs.a.output}",
        "          count: 2",
        "empty: {}",
        "none: []",
        "",
      ].join("\n"),
    );
    // The same text the `yaml` package prints for it.
    expect(text).toBe(stringify(doc, { lineWidth: 0 }));
  });

  test("every YAML document of the project's examples and docs prints as the `yaml` package prints it", () => {
    const root = path.resolve(import.meta.dir, "../..");
    const files = ["examples", "docs", "deploy", "tests/upstream-style"].flatMap((dir) => [
      ...new Bun.Glob(`${dir}/**/*.{md,yml,yaml}`).scanSync(root),
    ]);
    let compared = 0;
    for (const f of files) {
      const text = readFileSync(path.join(root, f), "utf8");
      const docs = f.endsWith(".md")
        ? [...text.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1])
        : [text];
      for (const d of docs) {
        let value: unknown;
        try {
          value = parse(d, { merge: true });
        } catch {
          continue; // a fragment, or an example of an error
        }
        if (value === null || typeof value !== "object") continue;
        expect({ f, text: printYaml(value) }).toEqual({ f, text: stringify(value, { lineWidth: 0 }) });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(30);
  });

  test("a sequence item holding a very large map prints without running out of stack", () => {
    // A workflow in a `workflows:` list with 200 000 jobs: 600 000 pieces of text in one item.
    const n = 200_000;
    const jobs = Array.from({ length: n }, (_, i) => ({ id: `j${i}`, component: "logger", input: "x" }));
    const text = printYaml({ workflows: [{ id: "w", jobs }] });
    expect(
      text.startsWith("workflows:\n  - id: w\n    jobs:\n      - id: j0\n        component: logger\n"),
    ).toBe(true);
    expect(text.split("\n").length).toBe(3 + 3 * n + 1);
  });

  test("a scalar document and nested sequences", () => {
    expect(printYaml("text")).toBe("text\n");
    expect(printYaml([])).toBe("[]\n");
    expect(printYaml([[1, 2], { a: [3] }])).toBe("- - 1\n  - 2\n- a:\n    - 3\n");
    readsBack([[1, 2], { a: [3] }]);
  });
});
