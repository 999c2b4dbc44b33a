// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Values substituted into a string `command` are data: whatever they contain, they
 * never change the command's structure. Each hostile value is tried in every quoting
 * position; the marker file it tries to create never appears, and the value comes out
 * verbatim.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import * as path from "node:path";
import { runYaml } from "./helpers.ts";

const marker = path.join("/tmp", `pwned-${process.pid}-${Math.random().toString(36).slice(2)}`);

const PAYLOADS: Record<string, string> = {
  semicolon: `; touch ${marker}`,
  "quoted semicolon": `"; touch ${marker}"`,
  "command substitution": `$(touch ${marker})`,
  backticks: `\`touch ${marker}\``,
  "single-quote breakout": `' ; touch ${marker} ; '`,
  "double-quote breakout": `" ; touch ${marker} ; "`,
  newline: `x\ntouch ${marker}`,
  "and-and": `x && touch ${marker}`,
  pipe: `x | touch ${marker}`,
  "background &": `x & touch ${marker}`,
  redirection: `x > ${marker}`,
  "variable expansion": "$HOME ${PATH} $0 $MC_ARG_0",
  glob: "* ?",
  "word splitting": "a   b\tc",
  "closing paren": `) ; touch ${marker} ; (`,
  "here-doc end": `x\nEOF\ntouch ${marker}\nEOF`,
  "single quote in double": `it's "quoted"`,
};

/** Positions a value can be written in; each prints it on one line with `echo`. */
const POSITIONS: Record<string, string> = {
  unquoted: "echo ${input.x}",
  "double-quoted": 'echo "${input.x}"',
  "single-quoted": "echo '${input.x}'",
  "inside a longer word": "echo pre-${input.x}-post",
  "inside a longer double-quoted string": 'echo "pre ${input.x} post"',
  "inside a longer single-quoted string": "echo 'pre ${input.x} post'",
  "in $(...) in double quotes": 'echo "$(echo "${input.x}")"',
  "in an assignment from $(...)": 'v=$(echo "${input.x}"); echo "$v"',
  "in backticks": 'v=`echo ${input.x}`; echo "$v"',
  "after a comment with an apostrophe": '# don\'t "worry"\necho ${input.x}',
  "in an unquoted here-document": "cat <<EOF\n${input.x}\nEOF",
  "after a here-document": "cat <<'EOF' >/dev/null\nit's\nEOF\necho ${input.x}",
};

/** What each position prints for value `v` (before echo's newline). */
function expected(position: string, v: string): string {
  if (position === "inside a longer word") return `pre-${v}-post`;
  if (position.startsWith("inside a longer")) return `pre ${v} post`;
  return v;
}

async function runCommand(command: string, x: string): Promise<string> {
  // printf, not echo: dash's echo would interpret backslashes in the value.
  const printf = command.replace(/\becho /g, "printf '%s\\n' ");
  const yaml = `workflow:\n  component: shell\n  command: ${JSON.stringify(printf)}\n  output: \${stdout}\n`;
  const r = await runYaml(yaml, { x });
  return r.output as string;
}

describe("shell injection: substituted values are data", () => {
  for (const [position, command] of Object.entries(POSITIONS)) {
    describe(position, () => {
      for (const [name, value] of Object.entries(PAYLOADS)) {
        test(name, async () => {
          rmSync(marker, { force: true });
          const out = await runCommand(command, value);
          expect(existsSync(marker)).toBe(false);
          expect(out).toBe(`${expected(position, value)}\n`);
        });
      }
    });
  }

  test("with echo itself, as in the user guide (values without backslashes)", async () => {
    for (const command of ["echo ${input.x}", 'echo "${input.x}"', "echo '${input.x}'"]) {
      for (const value of Object.values(PAYLOADS)) {
        rmSync(marker, { force: true });
        const yaml = `workflow:\n  component: shell\n  command: ${JSON.stringify(command)}\n  output: \${stdout}\n`;
        const r = await runYaml(yaml, { x: value });
        expect(existsSync(marker)).toBe(false);
        expect(r.output).toBe(`${value}\n`);
      }
    }
  });

  test("several values in one command, and non-text values", async () => {
    const yaml =
      "workflow:\n  component: shell\n" +
      "  command: printf '%s|' ${input.a} \"${input.b}\" '${input.c}' ${input.n} ${input.obj} ${input.none}\n" +
      "  output: ${stdout}\n";
    const r = await runYaml(yaml, { a: "$(id)", b: "`id`", c: "'", n: 42, obj: { k: "v w" }, none: null });
    expect(r.output).toBe(`$(id)|\`id\`|'|42|{"k":"v w"}||`);
  });

  test("a value in a quoted here-document is refused rather than left unexpanded", async () => {
    const yaml = "workflow:\n  component: shell\n  command: |\n    cat <<'EOF'\n    ${input.x}\n    EOF\n";
    await expect(runYaml(yaml, { x: "v" })).rejects.toThrow(
      "${input.x} cannot be substituted into the quoted here-document <<'EOF' (nothing in it is expanded)",
    );
  });

  test("the environment cannot be used to smuggle code either", async () => {
    rmSync(marker, { force: true });
    const yaml = "workflow:\n  component: shell\n  command: echo ${env.MC_EVIL}\n  output: ${stdout}\n";
    const r = await runYaml(yaml, {}, { env: { MC_EVIL: `$(touch ${marker})` } });
    expect(existsSync(marker)).toBe(false);
    expect(r.output).toBe(`$(touch ${marker})\n`);
  });
});
