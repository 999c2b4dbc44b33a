import { expect, test } from "bun:test";
import { isNameChar, isNameStart } from "./lexer.ts";

test("the name classes accept exactly A-Z, a-z, _ (and 0-9 inside a name), for every code unit", () => {
  const wrong: string[] = [];
  for (let k = 0; k <= 0xffff; k++) {
    const c = String.fromCharCode(k);
    if (isNameStart(c) !== /^[A-Za-z_]$/.test(c)) wrong.push(`start ${k}`);
    if (isNameChar(c) !== /^[A-Za-z_0-9]$/.test(c)) wrong.push(`char ${k}`);
  }
  expect(wrong).toEqual([]);
  expect([isNameStart(undefined), isNameChar(undefined)]).toEqual([false, false]);
});
