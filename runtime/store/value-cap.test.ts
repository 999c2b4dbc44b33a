import { expect, test } from "bun:test";
import { MemoryTaskStore } from "./memory.ts";
import { task } from "./store-cases.ts";
import { capText, capValue } from "./value-cap.ts";

test("a value over the limit becomes a marker with its size, the limit and a preview", () => {
  expect(capValue({ a: 1 }, 100)).toEqual({ a: 1 });
  const big = { text: "é".repeat(100) };
  const marker = capValue(big, 64) as Record<string, unknown>;
  expect(marker).toEqual({
    $truncated: { bytes: new TextEncoder().encode(JSON.stringify(big)).length, limit: 64 },
    preview: JSON.stringify(big).slice(0, 64),
  });
});

test("a long error message is cut and says why", () => {
  const cut = capText("e".repeat(500), 100)!;
  expect(cut.startsWith("e".repeat(25))).toBe(true);
  expect(cut).toEndWith("[truncated: 500 bytes, over the store's max_value_size of 100]");
});

test("a store records markers and lists the shortened fields", async () => {
  const store = new MemoryTaskStore({ maxValueSize: 50 });
  const t = task({ status: "running", input: { small: true } });
  await store.create(t);
  await store.updateJob(t.task_id, { id: "a", status: "completed", output: "y".repeat(80) });
  const done = await store.transition(t.task_id, ["running"], "completed", { output: "z".repeat(80) });
  expect(done?.truncated).toEqual(["output", "jobs.a.output"]);
  expect(done?.input).toEqual({ small: true });
  const again = (await store.get(t.task_id))!;
  expect(again.output).toMatchObject({ $truncated: { bytes: 82, limit: 50 } });
  expect(again.truncated).toEqual(["output", "jobs.a.output"]);
});
