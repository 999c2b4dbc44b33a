/** The pull/build display's text from the daemon's lines (tests/core/docker-progress.test.ts runs it under a terminal). */
import { describe, expect, test } from "bun:test";
import { renderStep, StepState } from "./progress-display.ts";

describe("renderStep", () => {
  test("a pull: one line per layer with its latest status, the elapsed time on the title", () => {
    const state = new StepState("pulling app:1", 1000);
    for (const line of [
      "3f4ca61aafcd: Pulling fs layer",
      "a1b2c3d4e5f6: Pulling fs layer",
      "3f4ca61aafcd: Download complete",
      "3f4ca61aafcd: Pull complete",
    ])
      state.add(line);
    expect(renderStep(state, 3500, 80)).toBe(
      "pulling app:1 (2.5s)\n  3f4ca61aafcd: Pull complete\n  a1b2c3d4e5f6: Pulling fs layer",
    );
  });

  test("a build: the last 8 output lines, cut to the width", () => {
    const state = new StepState("building app:local from .docker", 0);
    for (let i = 1; i <= 12; i++) state.add(`Step ${i}/12 : RUN echo ${"x".repeat(i * 10)}`);
    const lines = renderStep(state, 0, 40).split("\n");
    expect(lines).toHaveLength(9);
    expect(lines[1]).toStartWith("  Step 5/12");
    expect(lines.every((l) => l.length <= 40)).toBe(true);
    expect(lines[8]).toEndWith("…");
  });
});
