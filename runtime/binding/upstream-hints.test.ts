// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are binding source text, not JS templates
/**
 * Upstream's `as` hints, media types and `@(...)` annotations: parsed, converted as
 * convert.ts documents, and read back as input hints.
 */
import { describe, expect, test } from "bun:test";
import {
  Binary,
  compileTemplate,
  evaluate,
  inputHintsOf,
  parseBinding,
  renderTemplate,
  rootInfo,
} from "./mod.ts";

const run = (text: string, input: Record<string, unknown>) => evaluate(parseBinding(text), { input });

describe("as hints that shape a form, not the value", () => {
  test.each([
    ["input.x as string", { x: 5 }, "5"],
    ["input.x as markdown", { x: "# t" }, "# t"],
    ["input.x as int", { x: "7.9" }, 7],
    ["input.x as list", { x: "[1,2]" }, [1, 2]],
    ["input.x as select/a,b,c", { x: "b" }, "b"],
    ["input.x as select/24,30,60", { x: 30 }, 30],
    ["input.x as stream/text", { x: "t" }, "t"],
    ["input.x as any", { x: { a: 1 } }, { a: 1 }],
    ["input.x as number[]", { x: ["1", "2.5"] }, [1, 2.5]],
  ])("%s", (text, input, expected) => {
    expect(run(text, input)).toEqual(expected);
  });

  test("as list refuses what is not a list", () => {
    expect(() => run("input.x as list", { x: '{"a":1}' })).toThrow("cannot convert");
  });
});

describe("media hints keep the bytes", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255]);
  const b64 = Buffer.from(png).toString("base64");

  test(";base64 text becomes bytes with the subtype's content type", () => {
    const value = run("input.x as image/png;base64", { x: b64 }) as Binary;
    expect(value).toBeInstanceOf(Binary);
    expect([...value.bytes]).toEqual([...png]);
    expect(JSON.parse(JSON.stringify(value))).toEqual({ content_type: "image/png", base64: b64 });
  });

  test("a base64 data URI keeps its content type", () => {
    const value = run("input.x as image;base64", { x: `data:image/gif;base64,${b64}` }) as Binary;
    expect(value.content_type).toBe("image/gif");
    expect(value.base64).toBe(b64);
  });

  test("bytes stay bytes; a subtype relabels them; as base64 and as text read them", () => {
    const bin = new Binary(png);
    expect((run("input.x as audio/wav", { x: bin }) as Binary).content_type).toBe("audio/wav");
    expect(run("input.x as image", { x: bin })).toBe(bin);
    expect(run("input.x as base64", { x: bin })).toBe(b64);
    expect(run("input.x as text", { x: new Binary(new TextEncoder().encode("héllo")) })).toBe("héllo");
    expect(run("input.x.content_type", { x: bin })).toBe("application/octet-stream");
    expect(run("input.x.length", { x: bin })).toBe(6);
  });

  test("text that names a URL or a path is left as written (nothing is fetched)", () => {
    expect(run("input.x as video;url", { x: "https://example.com/v.mp4" })).toBe("https://example.com/v.mp4");
    expect(run("input.x as file", { x: "/tmp/a.bin" })).toBe("/tmp/a.bin");
  });

  test("a list of media, and bad base64 named in the error", () => {
    const list = run("input.x as image[];base64", { x: [b64, b64] }) as Binary[];
    expect(list.map((b) => b.base64)).toEqual([b64, b64]);
    expect(() => run("input.x as image;base64", { x: "not base64!" })).toThrow(
      '`input.x` as image;base64: needs base64 text, found the string "not base64!"',
    );
    expect(() => run("input.x as audio", { x: 3 })).toThrow("as audio: needs bytes");
  });
});

describe("@(...) annotations", () => {
  test("describe the binding and do not change its value", () => {
    const expr = parseBinding("input.q | hi @(description The user's question (short))");
    expect(evaluate(expr, { input: {} })).toBe("hi");
    expect(rootInfo(expr)?.annotations).toEqual([
      { name: "description", value: "The user's question (short)" },
    ]);
  });

  test("in a longer string", () => {
    const t = compileTemplate("Q: ${input.q @(description Question)}!");
    expect(renderTemplate(t, { input: { q: "why" } })).toBe("Q: why!");
  });

  test("an unclosed annotation is a syntax error", () => {
    expect(() => parseBinding("input.q @(description oops")).toThrow('missing ")" to close "@("');
  });

  test("become input hints with the as type and select options", () => {
    const t = compileTemplate({
      a: "${input.size as select/s,m,l @(description Size of the picture)}",
      b: "${input.photo as image;base64}",
      c: "${input.size}",
      d: "${input.other.deep @(description not a whole field)}",
    });
    expect(inputHintsOf(t)).toEqual({
      size: { description: "Size of the picture", type: "select", options: ["s", "m", "l"] },
      photo: { type: "image" },
    });
  });
});
