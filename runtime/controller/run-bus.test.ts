import { expect, test } from "bun:test";
import { LocalRunBus } from "./run-bus.ts";

test("a message reaches its run's subscribers and the '*' ones, not other runs'", () => {
  const bus = new LocalRunBus();
  const seen: string[] = [];
  const offA = bus.subscribe("a", (m) => seen.push(`a:${m.type}`));
  bus.subscribe("b", (m) => seen.push(`b:${m.type}`));
  bus.subscribe("*", (m) => seen.push(`*:${m.run_id}`));
  bus.publish({ type: "task.settled", run_id: "a", status: "completed" });
  expect(seen).toEqual(["a:task.settled", "*:a"]);
  offA();
  bus.publish({ type: "cancel.requested", run_id: "a", reason: "x" });
  expect(seen).toEqual(["a:task.settled", "*:a", "*:a"]);
  expect(bus.size).toBe(2);
});

test("a listener that throws does not keep the message from the others", () => {
  const bus = new LocalRunBus();
  let got = 0;
  bus.subscribe("a", () => {
    throw new Error("broken listener");
  });
  bus.subscribe("a", () => got++);
  bus.publish({ type: "task.settled", run_id: "a", status: "failed" });
  expect(got).toBe(1);
});
