/**
 * argTokens gives the tokens of the runtime's own node:util parseArgs (Bun's, which the
 * binary is built with), on hand-picked and generated command lines.
 */
import { describe, expect, test } from "bun:test";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { argTokens, type TokenOptions } from "./arg-tokens.ts";

const OPTIONS: TokenOptions = {
  file: { type: "string", short: "f" },
  input: { type: "string", short: "i" },
  verbose: { type: "boolean", short: "v" },
  detach: { type: "boolean", short: "d" },
  json: { type: "boolean" },
  output: { type: "string" },
};

const nodeTokens = (args: string[], options: TokenOptions) =>
  parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true }).tokens;

describe("argTokens", () => {
  test.each([
    [[]],
    [["run", "-f", "a.yml", "--input", "{}"]],
    [["-i", "-5"]],
    [["--input", "--verbose"]],
    [["-vdf", "x.yml"]],
    [["-vfx.yml", "rest"]],
    [["-fvd"]],
    [["--file=a=b", "--json=yes", "--=x", "---", "-"]],
    [["up", "--", "-f", "--json"]],
    [["--output"]],
    [["-f"]],
    [["-xyz", "--unknown", "value", "-q", "w"]],
    [["--verbose=", "-i=", "--constructor", "--toString", "x"]],
    [["--==", "--=a", "---=", "-v-", "-v--", "-v=", "y"]],
  ])("%j", (args) => {
    expect(argTokens(args, OPTIONS)).toEqual(nodeTokens(args, OPTIONS));
  });

  test("generated command lines give the same tokens", () => {
    const word = fc.oneof(
      fc.constantFrom("--", "-", "-f", "-i", "-v", "-d", "-x", "-vd", "-vf", "-fv", "-vdx", "-dfx"),
      fc.constantFrom("--file", "--input", "--json", "--verbose", "--output", "--nope", "---", "--="),
      fc.constantFrom(
        "--file=a",
        "--json=1",
        "--x=",
        "-f=a",
        "-i-5",
        "run",
        "up",
        "",
        "=",
        "-5",
        "--==",
        "-v-",
      ),
      fc.string({ maxLength: 6 }),
      fc.string({ maxLength: 4 }).map((s) => `-${s}`),
      fc.string({ maxLength: 6 }).map((s) => `--${s}`),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (args) => {
        expect(argTokens(args, OPTIONS)).toEqual(nodeTokens(args, OPTIONS));
      }),
      { numRuns: 5000 },
    );
  });
});
