/**
 * Run input is data: a `__proto__` key that JSON input carries (JSON.parse makes it an
 * own key) survives the merge of a graph's outputs, instead of being taken for the
 * object's prototype and silently dropped. (The logger's lines: beside the logger.)
 */
import { describe, expect, test } from "bun:test";
import { loadDoc } from "../_test-project.ts";
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
    const p = await loadDoc(`
workflow:
  jobs:
    - { id: a, component: echo, input: "\${input.a}" }
    - { id: b, component: echo, input: "\${input.b}" }
    - { id: c, component: echo, input: "\${input.b}", depends_on: [b] }
`);
    const result = await runWorkflow(p, undefined, input);
    expect(JSON.stringify(result.output)).toBe('{"__proto__":{"x":1},"k":1,"m":2}');
    expect(Object.getPrototypeOf(result.output)).toBe(Object.prototype);
  });
});
