// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Run input is data: a `__proto__` key that JSON input carries (JSON.parse makes it an
 * own key) survives the merge of a graph's outputs and reaches the logger's line,
 * instead of being taken for the object's prototype and silently dropped.
 */
import { describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import pino from "pino";
import { project } from "../../tests/support/files.ts";
import { loadProject } from "../compose/load.ts";
import { mergeOwn, setOwn } from "../own-property.ts";
import { runWorkflow } from "./run-workflow.ts";

const input = JSON.parse('{"a": {"__proto__": {"x": 1}, "k": 1}, "b": {"m": 2}}');

describe("__proto__ keys in run input are kept as data", () => {
  test("setOwn and mergeOwn make own keys, never a prototype", () => {
    const out: Record<string, unknown> = {};
    setOwn(out, "__proto__", { polluted: true });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__"]);
    const merged = mergeOwn(JSON.parse('{"__proto__": 1}'), { b: 2 });
    expect(JSON.stringify(merged)).toBe('{"__proto__":1,"b":2}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("a graph's merged sink outputs keep the key", async () => {
    const dir = project(`
workflow:
  jobs:
    - { id: a, component: logger, input: "\${input.a}" }
    - { id: b, component: logger, input: "\${input.b}" }
    - { id: c, component: logger, input: "\${input.b}", depends_on: [b] }
`);
    const p = await loadProject({ cwd: dir, processEnv: {} });
    const result = await runWorkflow(p, undefined, input);
    expect(JSON.stringify(result.output)).toBe('{"__proto__":{"x":1},"k":1,"m":2}');
    expect(Object.getPrototypeOf(result.output)).toBe(Object.prototype);
  });

  test("the logger component's line keeps the key", async () => {
    const dir = project(`
workflow:
  component: logger
  input: "\${input}"
`);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: "info" }, sink);
    const p = await loadProject({ cwd: dir, processEnv: {} });
    await runWorkflow(p, undefined, JSON.parse('{"message": "hi", "__proto__": {"x": 1}, "n": 2}'), {
      logger,
    });
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "hi");
    expect(line).toBeDefined();
    expect(Object.hasOwn(line, "__proto__")).toBe(true);
    expect(line.__proto__).toEqual({ x: 1 });
    expect(line.n).toBe(2);
  });
});
