import { describe, expect, test } from "bun:test";
import { LineSplitter, MAX_LINE_CHARS } from "./output-lines.ts";

function split(chunks: (string | Uint8Array)[]): string[] {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  for (const c of chunks) s.write(c);
  s.end();
  return lines;
}

describe("LineSplitter", () => {
  test("lines cut across chunks come out whole, CRLF and the last unterminated line included", () => {
    expect(split(["a\nb", "c\r\n", "\n", "tail"])).toEqual(["a", "bc", "", "tail"]);
  });

  test("a UTF-8 character split between two chunks is decoded once whole", () => {
    const bytes = new TextEncoder().encode("héllo\n");
    expect(split([bytes.slice(0, 2), bytes.slice(2)])).toEqual(["héllo"]);
  });

  test("a line longer than the limit is sent in pieces, never held whole", () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.write("x".repeat(MAX_LINE_CHARS * 2 + 5));
    expect(lines).toEqual(["x".repeat(MAX_LINE_CHARS), "x".repeat(MAX_LINE_CHARS)]);
    s.end();
    expect(lines[2]).toBe("xxxxx");
  });
});
