import { describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { readComposeText } from "./read-file.ts";

describe("readComposeText", () => {
  // /proc files are regular files that report size 0 and have content: the reader must
  // not trust the size it was told, neither to stop early nor to skip the limit.
  const proc = "/proc/self/mountinfo";
  const hasProc = (() => {
    try {
      return statSync(proc).size === 0 && readFileSync(proc, "utf8").length > 0;
    } catch {
      return false;
    }
  })();

  test.skipIf(!hasProc)("reads a file whose reported size is smaller than its content", () => {
    expect(readComposeText(proc, 1024 * 1024).length).toBeGreaterThan(0);
  });

  test.skipIf(!hasProc)("stops at the limit even when the reported size was under it", () => {
    expect(() => readComposeText(proc, 5)).toThrow(
      `compose file ${proc} is more than 5 bytes, over the limit of 5 bytes (MODEL_COMPOSE_MAX_FILE_BYTES)`,
    );
  });

  test("a missing file is named", () => {
    expect(() => readComposeText("/nonexistent/model-compose.yml", 10)).toThrow(
      /^cannot read compose file \/nonexistent\/model-compose\.yml: .*no such file/i,
    );
  });
});
