// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are binding source text, not JS templates
/**
 * The parser's shortcut for plain paths (`${jobs.a.output}`) gives the full parser's
 * tree, its root information and its errors, on hand-picked and generated texts.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseEmbedded, parseEmbeddedFully, parseSimplePath, rootInfo } from "./parser.ts";
import { collectReferences } from "./references.ts";
import { compileTemplate, soleSimpleSource } from "./template.ts";

/** What a parse gives: the tree and root information, or the error. */
function outcome(parse: typeof parseEmbedded, text: string, start: number) {
  try {
    const { expr, end } = parse(text, start);
    return { expr, end, root: rootInfo(expr) };
  } catch (error) {
    return { error: String(error), offset: (error as { offset?: number }).offset };
  }
}

describe("parseSimplePath", () => {
  test.each([
    "${input}",
    "${jobs.a.output}",
    "x ${input.file-name.0} y",
    "${jobs.step-1.output.2x}",
    "${_a.b_c.D9}",
  ])("takes %s, with the parser's tree", (text) => {
    const start = text.indexOf("${") + 2;
    expect(parseSimplePath(text, start)).toBeDefined();
    expect(outcome(parseEmbedded, text, start)).toEqual(outcome(parseEmbeddedFully, text, start));
  });

  test.each([
    "${ input}",
    "${input }",
    "${input.a | 0}",
    "${input.a as number}",
    "${input.a.upper()}",
    "${input[0]}",
    "${true}",
    "${null.x}",
    "${input.-a}",
    "${input.a-}",
    "${-input}",
    "${1a}",
    "${input.}",
    "${input",
  ])("leaves %s to the parser", (text) => {
    expect(parseSimplePath(text, 2)).toBeUndefined();
  });

  test("generated texts parse as the parser parses them", () => {
    const char = fc.constantFrom(..."ab_Z09-.} |[(${@\"'");
    fc.assert(
      fc.property(fc.array(char, { maxLength: 14 }), fc.constantFrom("", "x ", "${"), (chars, prefix) => {
        const text = `${prefix}\${${chars.join("")}`;
        const start = prefix.length + 2;
        expect(outcome(parseEmbedded, text, start)).toEqual(outcome(parseEmbeddedFully, text, start));
      }),
      { numRuns: 5000 },
    );
    // Mostly paths, so that the shortcut is taken often.
    const piece = fc.constantFrom("a", "b-c", "0", "_x", "-", ".", ".d", "}", " ", "|0");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const text = `\${jobs${pieces.join("")}`;
        expect(outcome(parseEmbedded, text, 2)).toEqual(outcome(parseEmbeddedFully, text, 2));
      }),
      { numRuns: 5000 },
    );
  });

  test("a depth limit of 1 still refuses an access", () => {
    const saved = process.env.MODEL_COMPOSE_MAX_EXPRESSION_DEPTH;
    process.env.MODEL_COMPOSE_MAX_EXPRESSION_DEPTH = "1";
    try {
      expect(parseSimplePath("${input.a}", 2)).toBeUndefined();
      expect(() => parseEmbedded("${input.a}", 2)).toThrow(/levels deep/);
      expect(outcome(parseEmbedded, "${input}", 2)).toEqual(outcome(parseEmbeddedFully, "${input}", 2));
    } finally {
      if (saved === undefined) delete process.env.MODEL_COMPOSE_MAX_EXPRESSION_DEPTH;
      else process.env.MODEL_COMPOSE_MAX_EXPRESSION_DEPTH = saved;
    }
  });
});

describe("soleSimpleSource", () => {
  test.each([
    ["${jobs.a.output}", "jobs"],
    ["${input}", "input"],
    ["${env.HOME}", "env"],
    ["x ${input}", undefined],
    ["${input} y", undefined],
    ["${a}${b}", undefined],
    ["${input | 1}", undefined],
    ["$${input}", undefined],
    ["${true}", undefined],
  ])("%s reads %s", (text, source) => {
    expect(soleSimpleSource(text)).toBe(source);
  });

  test("on generated texts, a source it names is the only one the compiled template reads", () => {
    // Mostly name characters, so that many texts are plain paths and the rest are near misses.
    const char = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(..."ab_Z09-.") },
      { weight: 1, arbitrary: fc.constantFrom(..."} |[($@\"'") },
    );
    const ending = fc.constantFrom("}", "}", " }", "}x", "}${a}", "| 0}", "");
    let named = 0;
    fc.assert(
      fc.property(fc.array(char, { maxLength: 12 }), ending, (chars, end) => {
        const text = `\${${chars.join("")}${end}`;
        const source = soleSimpleSource(text);
        if (source === undefined) return;
        named++;
        const sources = collectReferences(compileTemplate(text)).map((r) => r.source);
        expect(sources).toEqual([source]);
      }),
      { numRuns: 5000 },
    );
    // The property was checked on a good share of the texts, not only on near misses.
    expect(named).toBeGreaterThan(100);
  });
});
