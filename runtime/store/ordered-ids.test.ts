import { expect, test } from "bun:test";
import fc from "fast-check";
import { OrderedIds } from "./ordered-ids.ts";

test("gives up the oldest first; an id deleted or added again is found by its new place", () => {
  const ids = new OrderedIds();
  for (const id of ["a", "b", "c", "d"]) ids.add(id);
  ids.add("b"); // held already: keeps its place
  expect(ids.delete("b")).toBe(true);
  expect(ids.delete("b")).toBe(false);
  ids.add("b"); // now the newest
  expect([...ids]).toEqual(["a", "c", "d", "b"]);
  expect(ids.shift()).toBe("a");
  expect(ids.shift()).toBe("c");
  expect(ids.size).toBe(2);
  expect(ids.has("c")).toBe(false);
  expect(ids.shift()).toBe("d");
  expect(ids.shift()).toBe("b");
  expect(ids.shift()).toBeUndefined();
  expect(ids.size).toBe(0);
});

test("behaves as a list of distinct ids in the order added, through any mix of changes", () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("add" as const), id: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ kind: fc.constant("delete" as const), id: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ kind: fc.constant("shift" as const) }),
  );
  fc.assert(
    // A small room, so that the arrays are rebuilt many times within a run of changes.
    fc.property(fc.array(op, { maxLength: 400 }), fc.integer({ min: 1, max: 8 }), (ops, room) => {
      const ids = new OrderedIds(room);
      const model: string[] = [];
      for (const o of ops) {
        if (o.kind === "add") {
          const id = `r${o.id}`;
          ids.add(id);
          if (!model.includes(id)) model.push(id);
        } else if (o.kind === "delete") {
          const id = `r${o.id}`;
          const i = model.indexOf(id);
          expect(ids.delete(id)).toBe(i >= 0);
          if (i >= 0) model.splice(i, 1);
        } else {
          expect(ids.shift()).toBe(model.shift());
        }
        expect(ids.size).toBe(model.length);
      }
      expect([...ids]).toEqual(model);
    }),
    { numRuns: 300 },
  );
});

test("its room stays bounded by what it holds, whether ids leave as the oldest or anywhere", () => {
  const ids = new OrderedIds();
  for (let i = 0; i < 100_000; i++) {
    ids.add(`fifo-${i}`);
    if (ids.size > 100) ids.shift();
  }
  for (let i = 0; i < 100_000; i++) {
    ids.add(`any-${i}`);
    if (ids.size > 100) ids.delete(`any-${i - 50}`);
  }
  const room = (ids as unknown as { ids: string[]; head: number }).ids.length;
  expect(ids.size).toBe(150);
  expect(room).toBeLessThan(4 * 1024);
});
