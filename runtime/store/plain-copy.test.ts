import { expect, test } from "bun:test";
import { plainCopy } from "./plain-copy.ts";

test("copies JSON values deeply", () => {
  const value = { a: 1, b: [1, { c: "x" }], d: null, e: undefined, f: { g: true } };
  const copy = plainCopy(value);
  expect(copy).toEqual(value);
  expect(copy).not.toBe(value);
  expect(copy.b[1]).not.toBe(value.b[1]);
  expect(Object.hasOwn(copy, "e")).toBe(true);
});

test("an own __proto__ key stays a key", () => {
  const value = JSON.parse('{"__proto__": {"polluted": 1}, "x": 2}');
  const copy = plainCopy(value);
  expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  expect(Object.keys(copy)).toEqual(["__proto__", "x"]);
  expect(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value).toEqual({ polluted: 1 });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

test("dates, maps and cycles go to structuredClone", () => {
  const date = new Date(0);
  expect(plainCopy({ date }).date).toEqual(date);
  expect(plainCopy({ date }).date).not.toBe(date);
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const copy = plainCopy(cyclic);
  expect(copy.self).toBe(copy);
  expect(plainCopy(new Map([[1, 2]]))).toEqual(new Map([[1, 2]]));
});
