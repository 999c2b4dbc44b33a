import { describe, expect, test } from "bun:test";
import pino, { type Level } from "pino";
import { lazyLogger } from "./lazy-logger.ts";

/** A lazy logger over a real pino instance writing JSON lines into `lines`; counts how often it is made. */
function setup(level: Level | "silent") {
  const lines: Array<Record<string, unknown>> = [];
  let made = 0;
  const logger = lazyLogger(level, () => {
    made++;
    return pino(
      { level, base: undefined, timestamp: false },
      { write: (s: string) => lines.push(JSON.parse(s)) },
    );
  });
  return { logger, lines, made: () => made };
}

describe("lazyLogger", () => {
  test("lines below the level are dropped without making the real logger", () => {
    const { logger, lines, made } = setup("warn");
    logger.debug("no");
    logger.info({ a: 1 }, "no");
    logger.child({ job: "j" }).info("no");
    expect(made()).toBe(0);
    expect(lines).toEqual([]);
  });

  test("level questions are answered without making the real logger", () => {
    const { logger, made } = setup("info");
    expect(logger.level).toBe("info");
    expect(logger.isLevelEnabled("debug")).toBe(false);
    expect(logger.isLevelEnabled("info")).toBe(true);
    expect(logger.isLevelEnabled("fatal")).toBe(true);
    let flushed = false;
    logger.flush(() => {
      flushed = true;
    });
    expect(flushed).toBe(true);
    expect(made()).toBe(0);
  });

  test("the first line that passes makes the real logger once and is written", () => {
    const { logger, lines, made } = setup("info");
    logger.info({ a: 1 }, "first");
    logger.warn("second");
    logger.debug("dropped by pino itself");
    expect(made()).toBe(1);
    expect(lines.map((l) => [l.level, l.msg, l.a])).toEqual([
      [30, "first", 1],
      [40, "second", undefined],
    ]);
  });

  test("children made before the real logger keep their bindings, nested in order", () => {
    const { logger, lines, made } = setup("info");
    const run = logger.child({ run_id: "r1" });
    const job = run.child({ job: "j1" });
    expect(made()).toBe(0);
    job.error("failed");
    run.info("done");
    expect(made()).toBe(1);
    expect(lines).toEqual([
      { level: 50, run_id: "r1", job: "j1", msg: "failed" },
      { level: 30, run_id: "r1", msg: "done" },
    ]);
  });

  test("a child asked for its own level gets a real child at that level", () => {
    const { logger, lines, made } = setup("warn");
    const verbose = logger.child({ c: 1 }, { level: "debug" });
    expect(made()).toBe(1);
    verbose.debug("shown");
    logger.debug("not shown");
    expect(lines).toEqual([{ level: 20, c: 1, msg: "shown" }]);
  });

  test("setting the level goes to the real logger", () => {
    const { logger, lines } = setup("warn");
    logger.level = "debug";
    logger.debug("now shown");
    expect(logger.level).toBe("debug");
    expect(lines).toEqual([{ level: 20, msg: "now shown" }]);
  });

  test("silent never makes the real logger for log lines", () => {
    const { logger, made } = setup("silent");
    logger.fatal("no");
    logger.child({ x: 1 }).error("no");
    expect(made()).toBe(0);
  });
});
