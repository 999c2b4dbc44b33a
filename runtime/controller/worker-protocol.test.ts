import { describe, expect, test } from "bun:test";
import { MessageChannel } from "node:worker_threads";
import { LanePort } from "./worker-protocol.ts";

/** The raw batches that arrive on the other end of a lane. */
function rawEnd() {
  const { port1, port2 } = new MessageChannel();
  const batches: unknown[][] = [];
  let arrived = () => {};
  port2.on("message", (batch: unknown[]) => {
    batches.push(batch);
    arrived();
  });
  const next = () => new Promise<void>((resolve) => (arrived = resolve));
  return { lane: new LanePort<number, number>(port1), batches, next, close: () => port2.close() };
}

describe("LanePort", () => {
  test("the messages of one turn go as one batch, in order; the next turn's as another", async () => {
    const end = rawEnd();
    let got = end.next();
    for (let i = 1; i <= 5; i++) end.lane.send(i);
    expect(end.batches).toEqual([]);
    await got;
    got = end.next();
    end.lane.send(6);
    await got;
    expect(end.batches).toEqual([[1, 2, 3, 4, 5], [6]]);
    end.lane.close();
    end.close();
  });

  test("flush sends at once; close sends what is queued, then drops what comes after", async () => {
    const end = rawEnd();
    let got = end.next();
    end.lane.send(1);
    end.lane.flush();
    await got;
    got = end.next();
    end.lane.send(2);
    end.lane.close();
    await got;
    end.lane.send(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(end.batches).toEqual([[1], [2]]);
    end.close();
  });

  test("on hands over each message of every batch, in order", async () => {
    const { port1, port2 } = new MessageChannel();
    const lane = new LanePort<number, number>(port2);
    const seen: number[] = [];
    let done = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    lane.on((m) => {
      seen.push(m);
      if (seen.length === 5) done();
    });
    port1.postMessage([1, 2]);
    port1.postMessage([3]);
    port1.postMessage([4, 5]);
    await all;
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    lane.close();
    port1.close();
  });
});
