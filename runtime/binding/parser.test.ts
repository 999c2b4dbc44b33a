// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are binding source text, not JS templates
import { describe, expect, test } from "bun:test";
import { BindingError, type Expr, parseBinding } from "./mod.ts";

function syntaxError(source: string): BindingError {
  try {
    parseBinding(source);
  } catch (e) {
    if (e instanceof BindingError) return e;
    throw e;
  }
  throw new Error(`no error for ${source}`);
}

describe("syntax errors name the problem, the position and the expression", () => {
  test.each<[string, string, number]>([
    ["input.", 'expected a name after "."', 6],
    ["input..x", 'expected a name after "."', 6],
    ["input[x]", 'expected a quoted name, an integer index or "*" inside [ ]', 6],
    ["input[1.5]", "an integer index", 6],
    ["input[0", 'expected "]"', 7],
    ["input.a as", 'expected a type after "as"', 10],
    ["input.a as foo", 'unknown type "foo" after "as"; expected one of text, number', 11],
    ["input.a as foo[]", 'unknown type "foo[]"', 11],
    [
      "input.a as image;bytes",
      'unknown format "bytes" after ";"; expected one of base64, url, path, data-uri',
      17,
    ],
    ["input.a as number/x", 'type "number" takes no field list', 17],
    ["input.a as object[]/", "bad field list", 20],
    ["input.a as object[]/a,,b", "bad field list", 20],
    ["input.json as json.b", 'unexpected "."; expected the end of the binding', 18],
    ["input.a |", 'expected a default value after "|"', 9],
    ["input.a |   ", 'expected a default value after "|"', 12],
    ["input.a | x${y}", 'a nested "${" must be the whole default', 11],
    ["input.a | ${env.X", 'missing "}" to close the nested "${"', 10],
    ['input.a | "x" y', 'unexpected "y"', 14],
    ["a + ${b}", 'a nested "${" is only allowed as a default', 4],
    ["'abc", "unterminated string", 0],
    ['"a\\qb"', 'unknown escape "\\q"', 2],
    ["a = b", 'use "==" to compare', 2],
    ["a & b", 'use "&&"', 2],
    ["a # b", 'unexpected character "#"', 2],
    ["1abc", 'unexpected "a" after a number', 1],
    ["(1 + 2", 'expected ")"', 6],
    ["1 +", "expected a value", 3],
    ["", "expected a value", 0],
    ["trim()", "only the built-in methods can be called", 4],
    ["input.a input.b", 'unexpected "input"; expected the end', 8],
    ["input.a }", 'unexpected "}"', 8],
    ["input.split(',' 'x')", 'expected "," or ")" in split(...)', 16],
  ])("%s", (source, reason, offset) => {
    const e = syntaxError(source);
    expect(e.reason).toContain(reason);
    expect(e.expression).toBe(source);
    expect(e.offset).toBe(offset);
    expect(e.message).toContain(reason);
    expect(e.message).toContain(`column ${offset + 1}`);
    expect(e.message).toContain(`\${${source}}`);
  });
});

describe("tree shape", () => {
  const strip = (e: Expr): unknown =>
    JSON.parse(JSON.stringify(e, (k, v) => (k === "start" || k === "end" || k === "text" ? undefined : v)));

  test("as and | bind loosest: a + b as text | x", () => {
    expect(strip(parseBinding('a + b as text | "x"'))).toEqual({
      kind: "default",
      target: {
        kind: "convert",
        target: {
          kind: "binary",
          op: "+",
          left: { kind: "source", name: "a" },
          right: { kind: "source", name: "b" },
        },
        type: { name: "text" },
      },
      fallback: { kind: "literal", value: "x" },
    });
  });

  test("* binds tighter than +, && tighter than ||, comparison tighter than &&", () => {
    const e = strip(parseBinding("a || b && c == 1 + 2 * 3")) as Record<string, unknown>;
    expect(e).toMatchObject({
      op: "||",
      right: { op: "&&", right: { op: "==", right: { op: "+", right: { op: "*" } } } },
    });
  });

  test("unary minus on a number literal folds into the literal", () => {
    expect(strip(parseBinding("-1"))).toEqual({ kind: "literal", value: -1 });
  });

  test("field lists parse into dotted paths", () => {
    const e = parseBinding("x as object[]/a, b.c ,d-e") as Expr & { type: { fields: string[][] } };
    expect(e.type.fields).toEqual([["a"], ["b", "c"], ["d-e"]]);
  });

  test("string escapes", () => {
    expect(strip(parseBinding('"a\\"b\\n\\u0041\\\\"'))).toEqual({ kind: "literal", value: 'a"b\nA\\' });
    expect(strip(parseBinding("'it\\'s'"))).toEqual({ kind: "literal", value: "it's" });
  });

  test("nodes carry their own text", () => {
    const e = parseBinding("  input.a  -  input.b ");
    expect(e.text).toBe("input.a  -  input.b");
  });

  test("unknown methods and sources parse (they are checked statically and at run time)", () => {
    expect(() => parseBinding("nope.x.frobnicate(1)")).not.toThrow();
  });
});

describe("the depth limit", () => {
  test("10 000 nested parentheses are a syntax error at the level past the limit, not a stack overflow", () => {
    const error = syntaxError(`${"(".repeat(10_000)}input.x${")".repeat(10_000)}`);
    expect(error.reason).toBe(
      "the expression nests more than 128 levels deep here (the limit MODEL_COMPOSE_MAX_EXPRESSION_DEPTH)",
    );
    expect(error.offset).toBe(128);
    // The message shows a window of the expression, not all 20 000 characters.
    expect(error.message.length).toBeLessThan(400);
  });

  test("a chain of operators is bounded too (the evaluator recurses once per link)", () => {
    expect(syntaxError(`input.x${" + 1".repeat(10_000)}`).reason).toContain("nests more than 128 levels");
    expect(syntaxError(`${"!".repeat(100_000)}input.x`).reason).toContain("nests more than 128 levels");
  });

  test("the limit is read from MODEL_COMPOSE_MAX_EXPRESSION_DEPTH, checked", async () => {
    const { maxExpressionDepth } = await import("./depth.ts");
    expect(maxExpressionDepth({})).toBe(128);
    expect(maxExpressionDepth({ MODEL_COMPOSE_MAX_EXPRESSION_DEPTH: "500" })).toBe(500);
    expect(() => maxExpressionDepth({ MODEL_COMPOSE_MAX_EXPRESSION_DEPTH: "0" })).toThrow(
      'environment variable MODEL_COMPOSE_MAX_EXPRESSION_DEPTH must be a whole number from 1 to 2000, found "0"',
    );
    expect(() => maxExpressionDepth({ MODEL_COMPOSE_MAX_EXPRESSION_DEPTH: "deep" })).toThrow('found "deep"');
  });
});
