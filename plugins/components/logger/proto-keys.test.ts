// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/** The logger component's line keeps a run input's `__proto__` key as a field. */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { loadProject } from "../../../runtime/compose/load.ts";
import { PluginRegistry } from "../../../runtime/plugins.ts";
import { runWorkflow } from "../../../runtime/workflow/run-workflow.ts";
import nativePlugin from "../../runtimes/native/index.ts";
import loggerPlugin from "./index.ts";

test("a __proto__ field of the input reaches the line as a field", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mc-logger-"));
  try {
    writeFileSync(
      path.join(dir, "model-compose.yml"),
      'workflow:\n  component: logger\n  input: "${input}"\n',
    );
    const registry = new PluginRegistry();
    registry.register(loggerPlugin);
    registry.register(nativePlugin);
    const p = await loadProject({ cwd: dir, processEnv: {}, registry });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const input = JSON.parse('{"message": "hi", "__proto__": {"x": 1}, "n": 2}');
    await runWorkflow(p, undefined, input, { logger: pino({ level: "info" }, sink) });
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "hi");
    expect(line).toBeDefined();
    expect(Object.hasOwn(line, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(line, "__proto__")?.value).toEqual({ x: 1 });
    expect(line.n).toBe(2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
