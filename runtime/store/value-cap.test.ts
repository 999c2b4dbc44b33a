import { expect, test } from "bun:test";
import { MemoryTaskStore } from "./memory.ts";
import { task } from "./store-cases.ts";
import { capPatch, capText, capValue, jsonBytes } from "./value-cap.ts";

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

test("a short string is kept without measuring it; one whose escaped JSON is over the limit is not", () => {
  expect(capValue("x".repeat(3), 20)).toBe("xxx");
  // Each control character is six bytes of JSON (\u0001): 4 of them are 26 bytes.
  const marker = capValue("\u0001".repeat(4), 20) as Record<string, unknown>;
  expect(marker.$truncated).toEqual({ bytes: 26, limit: 20 });
  expect(capValue(12345, 100)).toBe(12345);
  expect(capValue(-1.2345678901234567e-308, 24)).toBe(-1.2345678901234567e-308);
  expect(capValue(12345, 2)).toMatchObject({ $truncated: { bytes: 5, limit: 2 } });
});

test("a run's output that is also its job's is capped the same in both places", () => {
  const output = { text: "y".repeat(200) };
  const capped = capPatch(
    {
      output,
      jobs: [
        { id: "a", status: "completed", output },
        { id: "b", status: "completed", output: { n: 1 } },
      ],
    },
    64,
  );
  expect(capped.output).toMatchObject({ $truncated: { limit: 64 } });
  expect(capped.jobs![0].output).toBe(capped.output);
  expect(capped.jobs![1].output).toEqual({ n: 1 });
});

test("JSON sizes are UTF-8 bytes", () => {
  expect(jsonBytes({ a: "x" })).toBe(9);
  expect(jsonBytes("é")).toBe(4);
  expect(jsonBytes("😀")).toBe(6);
  expect(jsonBytes(undefined)).toBe(0);
});
