// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * A binding nested 10 000 levels deep, through the real CLI: exit 2 with file:line:column
 * and the limit's name (it was exit 1, "Maximum call stack size exceeded", no location).
 * The limit is set in the process environment.
 */
import { describe, expect, test } from "bun:test";
import { runCli, tempDir, writeFiles } from "./helpers.ts";

function project(depth: number): string {
  const dir = tempDir();
  const expr = `${"(".repeat(depth)}input.x${")".repeat(depth)}`;
  writeFiles(dir, { "model-compose.yml": `workflow:\n  component: logger\n  input: "\${${expr}}"\n` });
  return dir;
}

describe("expression depth", () => {
  test("10 000 levels: exit 2 naming the file, line, column and the limit", async () => {
    const dir = project(10_000);
    const r = await runCli(["run", "-i", '{"x": 1}'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /model-compose\.yml:3:10: workflows\[0\]\.jobs\[0\]\.input: the expression nests more than 128 levels deep here \(the limit MODEL_COMPOSE_MAX_EXPRESSION_DEPTH\) at column 129 in/,
    );
    expect(r.stderr).not.toContain("Maximum call stack");
  });

  test("a raised limit lets a deeper expression run; a bad value is named", async () => {
    const dir = project(300);
    const ok = await runCli(["run", "-i", '{"x": 7}'], {
      cwd: dir,
      env: { MODEL_COMPOSE_MAX_EXPRESSION_DEPTH: "400" },
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toBe("7");
    const bad = await runCli(["run"], { cwd: dir, env: { MODEL_COMPOSE_MAX_EXPRESSION_DEPTH: "-1" } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'environment variable MODEL_COMPOSE_MAX_EXPRESSION_DEPTH must be a whole number from 1 to 2000, found "-1"',
    );
  });
});
