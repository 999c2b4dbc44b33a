/**
 * checkEnvFileLines against dotenv itself: every file it accepts, dotenv reads every
 * written variable of; every line it refuses is one dotenv would have skipped.
 */
import { describe, expect, test } from "bun:test";
import { parse } from "dotenv";
import { ConfigError } from "../errors.ts";
import { checkEnvFileLines } from "./env-file-lines.ts";

const accepted: Array<[string, string, Record<string, string>]> = [
  ["plain", "A=1\nB=two words\n", { A: "1", B: "two words" }],
  ["blank lines, comments, indented comments", "\n# c\n  # d\nA=1\n\n", { A: "1" }],
  ["export and colon forms", "export A=1\nB: 2\n", { A: "1", B: "2" }],
  ["empty value", "A=\n", { A: "" }],
  ["spaces around =", "A = 1\n", { A: "1" }],
  ["dots and dashes in names", "a.b-c=1\n", { "a.b-c": "1" }],
  ["CRLF line ends", "A=1\r\nB=2\r\n", { A: "1", B: "2" }],
  [
    "a double-quoted value over three lines",
    'A="one\nnot KEY=VALUE\nthree"\nB=2\n',
    { A: "one\nnot KEY=VALUE\nthree", B: "2" },
  ],
  ["a single-quoted value over two lines", "A='one\ntwo words'\n", { A: "one\ntwo words" }],
  ["a backquoted value over two lines", "A=`one\ntwo words`\n", { A: "one\ntwo words" }],
  ["an escaped quote does not close the value", 'A="say \\"hi\nthere"\n', { A: 'say \\"hi\nthere' }],
  ["a quoted value closed on its own line", 'A="x"\nB=2\n', { A: "x", B: "2" }],
  ["a trailing comment", "A=1 # note\n", { A: "1" }],
];

const refused: Array<[string, string, string]> = [
  ["a stray word", "A=1\noops\n", ':2:1: expected KEY=VALUE, found "oops"'],
  ["a space in the name", "API KEY=x\n", ':1:1: expected KEY=VALUE, found "API KEY=x"'],
  ["a name alone", "  LONELY\n", ':1:3: expected KEY=VALUE, found "LONELY"'],
  ["after a closed multi-line value", 'A="x\ny"\nnot valid\n', ':3:1: expected KEY=VALUE, found "not valid"'],
  ["a colon without a space", "A:1\n", ':1:1: expected KEY=VALUE, found "A:1"'],
];

describe("checkEnvFileLines", () => {
  for (const [name, text, values] of accepted) {
    test(`accepts: ${name}`, () => {
      expect(() => checkEnvFileLines(text, "/p/.env")).not.toThrow();
      expect(parse(text)).toEqual(values);
    });
  }
  for (const [name, text, message] of refused) {
    test(`refuses: ${name}`, () => {
      let error: unknown;
      try {
        checkEnvFileLines(text, "/p/.env");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(`/p/.env${message}`);
      // What dotenv makes of it: the refused line's variable is missing or wrong.
      const line = text.split("\n")[Number(message.split(":")[1]) - 1].trim();
      expect(Object.keys(parse(line))).toHaveLength(0);
    });
  }
});
