// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The bash arithmetic attack, end to end: `echo $(( ${input.n} + 1 ))` with
 * `{"n": "a[$(touch FILE)]"}` under `shell: bash`, through `run` (the real CLI) and
 * through `POST /api/workflows/runs`. The value is refused with a message naming the
 * binding and the marker file never appears; a plain number works under dash and bash.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { cleanup, makeProject, startRun, upForeground } from "../controller/helpers.ts";
import { runCli, runYaml, tempDir, writeFiles } from "./helpers.ts";

afterAll(cleanup);

function compose(shell: string): string {
  return `workflow:\n  component: shell\n  shell: ${shell}\n  command: echo $(( \${input.n} + 1 ))\n  output: \${stdout}\n`;
}

describe("a value in bash arithmetic", () => {
  test("run: refused with the binding named, nothing runs", async () => {
    const dir = tempDir();
    const marker = path.join(dir, "ran");
    writeFiles(dir, { "model-compose.yml": compose("bash") });
    const r = await runCli(["run", "-i", JSON.stringify({ n: `a[$(touch ${marker})]` })], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `\${input.n} is used in $((...)), where the shell reads it as arithmetic (and bash runs commands written in an array subscript there): it must be an integer (decimal without leading zeros, or 0x hex), found "a[$(touch ${marker})]"`,
    );
    expect(existsSync(marker)).toBe(false);
  });

  for (const shell of ["sh", "dash", "bash"]) {
    test(`${shell}: a plain number works`, async () => {
      const r = await runYaml(compose(shell), { n: 5 });
      expect(r.output).toBe("6\n");
    });
  }

  test("POST /api/workflows/runs: the run fails with the message, nothing runs", async () => {
    const project = makeProject({
      workflow: {
        component: "shell",
        shell: "bash",
        command: "echo $(( ${input.n} + 1 ))",
        output: "${stdout}",
      },
    });
    const marker = path.join(project.dir, "ran");
    await upForeground(project);
    const reply = await startRun(project, {
      input: { n: `a[$(touch ${marker})]` },
      wait_for_completion: true,
    });
    expect(JSON.stringify(reply.body)).toContain("${input.n} is used in $((...))");
    expect(reply.body.status).toBe("failed");
    expect(existsSync(marker)).toBe(false);
    const ok = await startRun(project, { input: { n: 41 }, wait_for_completion: true });
    expect(ok.body.output).toBe("42\n");
  });
});
