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

test("a listener added while a message is delivered gets the next one, with one listener or several", () => {
  for (const others of [0, 1]) {
    const bus = new LocalRunBus();
    const seen: string[] = [];
    for (let i = 0; i < others; i++) bus.subscribe("a", () => {});
    const off = bus.subscribe("a", () => {
      off();
      bus.subscribe("a", (n) => seen.push(`late:${n.type}`));
    });
    bus.publish({ type: "first", run_id: "a" });
    expect(seen).toEqual([]);
    bus.publish({ type: "second", run_id: "a" });
    expect(seen).toEqual(["late:second"]);
  }
});
