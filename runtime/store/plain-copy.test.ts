import { expect, test } from "bun:test";
import { freezeOwn, frozenCopy } from "./plain-copy.ts";

test("copies JSON values deeply, undefined fields included", () => {
  const value = { a: 1, b: [1, { c: "x" }], d: null, e: undefined, f: { g: true } };
  const copy = frozenCopy(value);
  expect(copy).toEqual(value);
  expect(copy).not.toBe(value);
  expect(copy.b[1]).not.toBe(value.b[1]);
  expect(Object.hasOwn(copy, "e")).toBe(true);
});

test("dates, maps and cycles go to structuredClone", () => {
  const date = new Date(0);
  expect(frozenCopy({ date }).date).toEqual(date);
  expect(frozenCopy({ date }).date).not.toBe(date);
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const copy = frozenCopy(cyclic);
  expect(copy.a).toBe(1);
  expect((copy.self as Record<string, unknown>).a).toBe(1);
  expect(copy.self).not.toBe(cyclic);
  expect(frozenCopy(new Map([[1, 2]]))).toEqual(new Map([[1, 2]]));
});

test("frozenCopy: a deep copy frozen all the way down; its frozen parts are shared by the next copy", () => {
  const value = { a: { b: [1, { c: "x" }] }, d: null };
  const copy = frozenCopy(value);
  expect(copy).toEqual(value);
  expect(copy.a).not.toBe(value.a);
  expect(Object.isFrozen(copy) && Object.isFrozen(copy.a) && Object.isFrozen(copy.a.b[1])).toBe(true);
  expect(() => {
    (copy.a.b[1] as { c: string }).c = "y";
  }).toThrow(TypeError);
  // The caller's object is not frozen, and changing it changes nothing in the copy.
  (value.a.b[1] as { c: string }).c = "z";
  expect(copy.a.b[1]).toEqual({ c: "x" });
  const next = frozenCopy({ ...copy, e: { f: 1 } });
  expect(next.a).toBe(copy.a);
  expect(Object.isFrozen(next.e)).toBe(true);
});

test("frozenCopy: an own __proto__ key stays a key; bytes are copied, not frozen", () => {
  const copy = frozenCopy(JSON.parse('{"__proto__": {"polluted": 1}}'));
  expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  expect(Object.keys(copy)).toEqual(["__proto__"]);
  const bytes = new Uint8Array([1, 2]);
  const held = frozenCopy({ bytes });
  expect(held.bytes).toEqual(bytes);
  expect(held.bytes).not.toBe(bytes);
});

test("a value met twice is copied once, and the copy is shared as the value was", () => {
  const output = { text: "hello", list: [1, 2] };
  const record = { output, jobs: [{ id: "a", output }] };
  const copy = frozenCopy(record);
  expect(copy).toEqual(record);
  expect(copy.output).not.toBe(output);
  expect(copy.jobs[0].output).toBe(copy.output);
  expect(Object.isFrozen(copy.output.list)).toBe(true);
  output.list.push(3);
  expect(copy.output.list).toEqual([1, 2]);
});

test("freezeOwn freezes the object itself and copies what it holds", () => {
  const input = { list: [1] };
  const own = { id: "a", input };
  const sealed = freezeOwn(own);
  expect(sealed).toBe(own);
  expect(Object.isFrozen(own)).toBe(true);
  expect(own.input).not.toBe(input);
  input.list.push(2);
  expect(own.input.list).toEqual([1]);
  expect(frozenCopy(own)).toBe(own);
});
