/**
 * Keeps docs/compose-file.md true: every ```yaml block in it is a compose file that the
 * real CLI loads (`config` exits 0), unless an HTML comment on the line before its
 * fence says otherwise:
 *
 *   <!-- fragment -->                    not a complete file; skipped
 *   <!-- error: TEXT -->                 `config` exits 2 and prints TEXT on stderr
 *   <!-- run: SPEC -> OUTPUT -->         `run` prints OUTPUT (JSON, compared as values);
 *                                        SPEC is JSON: {"input"?: any, "args"?: string[],
 *                                        "exit"?: number (default 0)}
 *
 * `args` are extra command-line arguments (e.g. `-e NAME=value`).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot, runCli, tempDir, writeFiles } from "./helpers.ts";

const DOC = "docs/compose-file.md";

interface RunSpec {
  input?: unknown;
  args?: string[];
  exit?: number;
}

type Check =
  | { kind: "config" }
  | { kind: "fragment" }
  | { kind: "error"; text: string }
  | { kind: "run"; spec: RunSpec; output: unknown };

interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  yaml: string;
  check: Check;
}

/** What the comment line before a fence asks for; throws on a comment it does not know. */
function checkOf(marker: string | undefined, line: number): Check {
  const m = marker === undefined ? null : /^<!--\s*(.*?)\s*-->$/.exec(marker.trim());
  if (!m) return { kind: "config" };
  const body = m[1];
  if (body === "fragment") return { kind: "fragment" };
  if (body.startsWith("error:")) return { kind: "error", text: body.slice("error:".length).trim() };
  if (body.startsWith("run:")) {
    const rest = body.slice("run:".length);
    const arrow = rest.indexOf(" -> ");
    if (arrow < 0) throw new Error(`${DOC}:${line - 1}: a run marker needs "SPEC -> OUTPUT"`);
    try {
      return {
        kind: "run",
        spec: JSON.parse(rest.slice(0, arrow)) as RunSpec,
        output: JSON.parse(rest.slice(arrow + 4)),
      };
    } catch (error) {
      throw new Error(`${DOC}:${line - 1}: bad JSON in a run marker: ${(error as Error).message}`);
    }
  }
  throw new Error(`${DOC}:${line - 1}: unknown marker ${marker}`);
}

/** The ```yaml blocks of a Markdown text, with what each must pass. */
function yamlBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    // A fence may be indented (inside a list item); its content is then indented as much.
    const fence = /^( *)(`{3,})(\S*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    const [, indent, ticks, lang] = fence;
    const end = lines.findIndex((l, j) => j > i && l.trim() === ticks);
    if (end < 0) throw new Error(`${DOC}:${i + 1}: a code block that is never closed`);
    if (lang === "yaml") {
      const before = i > 0 ? lines[i - 1] : undefined;
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
      blocks.push({
        line: i + 1,
        yaml: `${body.join("\n")}\n`,
        check: checkOf(before?.trim().startsWith("<!--") ? before : undefined, i + 1),
      });
    }
    i = end;
  }
  return blocks;
}

const blocks = yamlBlocks(readFileSync(path.join(repoRoot, DOC), "utf8"));

/** Writes the block as the only compose file of a fresh directory. */
function composeFile(block: Block): { dir: string; file: string } {
  const dir = tempDir("mc-docs-");
  writeFiles(dir, { "compose.yml": block.yaml });
  return { dir, file: path.join(dir, "compose.yml") };
}

describe(DOC, () => {
  test("has checked examples", () => {
    expect(blocks.filter((b) => b.check.kind !== "fragment").length).toBeGreaterThan(20);
    expect(blocks.filter((b) => b.check.kind === "run").length).toBeGreaterThan(10);
  });

  for (const block of blocks) {
    const name = `line ${block.line}: ${block.check.kind}`;
    const check = block.check;
    if (check.kind === "fragment") continue;

    if (check.kind === "config") {
      test(`${name} loads`, async () => {
        const { dir, file } = composeFile(block);
        const r = await runCli(["config", "-f", file], { cwd: dir });
        expect(r.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
        expect(r.code).toBe(0);
      });
    } else if (check.kind === "error") {
      test(`${name} is refused`, async () => {
        const { dir, file } = composeFile(block);
        const r = await runCli(["config", "-f", file], { cwd: dir });
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(check.text);
      });
    } else {
      test(`${name} gives the documented output`, async () => {
        const { dir, file } = composeFile(block);
        const { spec } = check;
        const input = spec.input === undefined ? [] : ["-i", JSON.stringify(spec.input)];
        const r = await runCli(["run", "-f", file, ...input, ...(spec.args ?? [])], { cwd: dir });
        expect({ output: JSON.parse(r.stdout), code: r.code }).toEqual({
          output: check.output,
          code: spec.exit ?? 0,
        });
      });
    }
  }
});
