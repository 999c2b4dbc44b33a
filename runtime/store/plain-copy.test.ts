import { expect, test } from "bun:test";
import { frozenCopy, frozenValues } from "./plain-copy.ts";

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

test("frozenCopy: a deep copy frozen all the way down", () => {
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
  // A frozen value is copied all the same: frozen on top says nothing of what it holds.
  const shallow = Object.freeze({ inner: { n: 1 } });
  const held = frozenCopy(shallow);
  expect(held).not.toBe(shallow);
  shallow.inner.n = 2;
  expect(held.inner.n).toBe(1);
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

test("frozenValues copies and freezes each value, sharing one met twice, and leaves the object open", () => {
  const output = { list: [1] };
  const given = { status: "done", output, jobs: [{ id: "a", output }] };
  const fields = frozenValues(given);
  expect(fields).not.toBe(given);
  expect(fields).toEqual(given);
  expect(Object.isFrozen(fields)).toBe(false);
  expect(Object.isFrozen(fields.output) && Object.isFrozen(fields.jobs[0])).toBe(true);
  expect(fields.jobs[0].output).toBe(fields.output);
  output.list.push(2);
  expect(fields.output.list).toEqual([1]);
  expect(() => fields.output.list.push(3)).toThrow(TypeError);
  const own = frozenValues(JSON.parse('{"__proto__": {"polluted": 1}}'));
  expect(Object.getPrototypeOf(own)).toBe(Object.prototype);
  expect(Object.keys(own)).toEqual(["__proto__"]);
});
