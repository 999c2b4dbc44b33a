// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are binding source text, not JS templates
import { describe, expect, test } from "bun:test";
import {
  BindingError,
  BindingView,
  compileTemplate,
  isBindingString,
  renderTemplate,
  type Scope,
} from "./mod.ts";

const scope: Scope = {
  input: {
    name: "Ada",
    n: 3,
    ok: true,
    nothing: null,
    zero: 0,
    list: [1, "two", { three: 3 }],
    obj: { a: 1, b: "x" },
    extra: { temperature: 0.2, model: "from-spread" },
    tags: ["a", "b"],
    "start-time": "100",
  },
  env: { HOME: "/home/ada", MODEL: "gpt-4o" },
  stdout: "line one\n",
};

const render = (value: unknown, s: Scope = scope, quote?: (v: unknown) => string) =>
  renderTemplate(compileTemplate(value), s, quote ? { quote } : undefined);

describe("whole-value strings keep their type; longer strings interpolate text", () => {
  test.each<[unknown, unknown]>([
    ["${input.n}", 3],
    ["${input.ok}", true],
    ["${input.nothing}", null],
    ["${input.list}", [1, "two", { three: 3 }]],
    ["${input.obj}", { a: 1, b: "x" }],
    ["${ input.n }", 3],
    ["n=${input.n}", "n=3"],
    ["${input.n} items", "3 items"],
    [" ${input.n}", " 3"],
    ["${input.n}${input.n}", "33"],
    ["${input.ok}!", "true!"],
    ["[${input.nothing}]", "[]"],
    ["list=${input.list}", 'list=[1,"two",{"three":3}]'],
    ["obj=${input.obj}", 'obj={"a":1,"b":"x"}'],
    ["${input.name} has ${input.n} and ${input.zero}", "Ada has 3 and 0"],
    ["${input.missing | 'dflt'}!", "dflt!"],
    ["${input.n as text}", "3"],
    ["${input.start-time as number}", 100],
    ["${env.NOPE | ${env.ALSO | gpt-4o}}", "gpt-4o"],
    ["model=${env.NOPE | ${env.MODEL}}", "model=gpt-4o"],
    ["${input.missing | bare words}", "bare words"],
    ["${input.missing | 0.5}", 0.5],
    ['${input.missing | "x}y"}', "x}y"],
    ["${input[\"na}me\"] | 'q'}", "q"],
    ["${(input.missing | 2) * input.n}", 6],
    ["${input.name.replace('A', '}')}", "}da"],
    ["plain text", "plain text"],
    ["costs $5 {not a binding}", "costs $5 {not a binding}"],
    [42, 42],
    [null, null],
    [true, true],
  ])("%p", (value, expected) => {
    expect(render(value)).toEqual(expected);
  });

  test("whole values are the scope's own values (no copy)", () => {
    expect(render("${input.obj}")).toBe((scope.input as { obj: unknown }).obj);
  });

  test("a missing whole value renders to undefined and its map key is left out", () => {
    expect(render("${input.missing}")).toBeUndefined();
    expect(render({ a: "${input.missing}", b: 1 })).toEqual({ b: 1 });
    expect(Object.keys(render({ a: "${input.missing}", b: 1 }) as object)).toEqual(["b"]);
  });

  test("a missing interpolated value is an error that shows the expression and key path", () => {
    try {
      render({ a: [{ b: "x=${input.missing}" }] });
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(BindingError);
      const be = e as BindingError;
      expect(be.message).toContain("missing (undefined)");
      expect(be.message).toContain("${input.missing}");
      expect(be.path).toEqual(["a", 0, "b"]);
    }
  });
});

describe("nested structures", () => {
  test("maps and lists are walked recursively", () => {
    const t = compileTemplate({
      model: "${env.MODEL}",
      messages: [{ role: "user", content: "Hi ${input.name}" }],
      options: { n: "${input.n}", fixed: [1, 2] },
    });
    expect(t.isStatic).toBe(false);
    expect(renderTemplate(t, scope)).toEqual({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Hi Ada" }],
      options: { n: 3, fixed: [1, 2] },
    });
  });

  test("static templates render to their source", () => {
    const value = { a: [1, { b: "c" }], d: "e" };
    const t = compileTemplate(value);
    expect(t.isStatic).toBe(true);
    expect(t.source).toBe(value);
    expect(renderTemplate(t, {})).toBe(value);
  });

  test("constant subtrees of a dynamic template are shared, not copied", () => {
    const fixed = { deep: [1, 2] };
    const out = render({ fixed, v: "${input.n}" }) as { fixed: unknown };
    expect(out.fixed).toBe(fixed);
  });

  test("the source is not changed by rendering", () => {
    const value = { a: "${input.n}", l: ["...${input.tags}"] };
    const before = structuredClone(value);
    render(value);
    expect(value).toEqual(before);
  });
});

describe("escapes", () => {
  test.each<[string, string]>([
    ["echo $${HOME}", "echo ${HOME}"],
    ["$${HOME} is ${env.HOME}", "${HOME} is /home/ada"],
    ["$${a}$${b}", "${a}${b}"],
    ["$$ and $ alone", "$$ and $ alone"],
    ["$${", "${"],
    ["cost: $${input.n}", "cost: ${input.n}"],
  ])("%p", (value, expected) => {
    expect(render(value)).toBe(expected);
  });

  test("a string with only escapes is static", () => {
    const t = compileTemplate({ script: "echo $${HOME}" });
    expect(t.isStatic).toBe(true);
    expect(renderTemplate(t, {})).toEqual({ script: "echo ${HOME}" });
  });

  test.each<[string, boolean]>([
    ["${x}", true],
    ["a ${x} b", true],
    ["$${x}", false],
    ["$${x} ${y}", true],
    ["no binding", false],
    ["$ {x}", false],
    ["{x}", false],
  ])("isBindingString(%p) is %p", (s, expected) => {
    expect(isBindingString(s)).toBe(expected);
  });
});

describe("spread", () => {
  test("a '...' key merges an object's fields; keys written in the map win", () => {
    expect(render({ model: "written", "...": "${input.extra}", top_p: 1 })).toEqual({
      model: "written",
      temperature: 0.2,
      top_p: 1,
    });
  });

  test("spreading a missing or null value adds nothing", () => {
    expect(render({ "...": "${input.missing}", a: 1 })).toEqual({ a: 1 });
    expect(render({ "...": "${input.nothing}", a: 1 })).toEqual({ a: 1 });
  });

  test("spreading a view uses its key list", () => {
    const view = new BindingView(
      (k) => (k === "x" ? 1 : undefined),
      () => ["x"],
    );
    expect(render({ "...": "${input.v}" }, { input: { v: view } })).toEqual({ x: 1 });
  });

  test("spreading a non-object into a map is an error", () => {
    expect(() => render({ "...": "${input.list}" })).toThrow('"..." in a map needs a map, but found a list');
  });

  test("the value of '...' must be exactly one binding", () => {
    try {
      compileTemplate({ a: { "...": "x ${input.obj}" } });
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(BindingError);
      expect((e as BindingError).path).toEqual(["a", "..."]);
      expect((e as BindingError).message).toContain("must be exactly one binding");
    }
  });

  test('"...${x}" in a list splices the elements of x', () => {
    expect(render(["first", "...${input.tags}", "last", "...${input.list}"])).toEqual([
      "first",
      "a",
      "b",
      "last",
      1,
      "two",
      { three: 3 },
    ]);
  });

  test("splicing a missing value adds nothing", () => {
    expect(render(["a", "...${input.missing}"])).toEqual(["a"]);
  });

  test("splicing a non-list is an error", () => {
    expect(() => render(["...${input.name}"])).toThrow(
      '"...${}" in a list needs a list, but found the string "Ada"',
    );
  });

  test("'...' followed by more text is an ordinary interpolation", () => {
    expect(render(["...${input.name}!", "...$${x}", "wait...${input.n}"])).toEqual([
      "...Ada!",
      "...${x}",
      "wait...3",
    ]);
  });
});

describe("quote option", () => {
  const q = (v: unknown) => `'${String(v ?? "").replaceAll("'", "'\\''")}'`;

  test.each<[unknown, unknown]>([
    ["echo ${input.name}", "echo 'Ada'"],
    ["${input.n}", "'3'"],
    ["a=${input.name} b=${input.n}", "a='Ada' b='3'"],
    ["echo $${HOME} ${env.HOME}", "echo ${HOME} '/home/ada'"],
    ["plain", "plain"],
    [
      ["run", "${input.name}", "x${input.n}"],
      ["run", "'Ada'", "x'3'"],
    ],
    [["...${input.tags}"], ["'a'", "'b'"]],
  ])("%p", (value, expected) => {
    expect(render(value, scope, q)).toEqual(expected);
  });

  test("quote receives the raw value", () => {
    const seen: unknown[] = [];
    render("${input.list} ${input.nothing} ${input.n}", scope, (v) => {
      seen.push(v);
      return "_";
    });
    expect(seen).toEqual([[1, "two", { three: 3 }], null, 3]);
  });

  test("a missing value is an error even for whole-value strings", () => {
    expect(() => render("${input.missing}", scope, q)).toThrow("missing (undefined)");
  });

  test("hostile text stays inside the quotes", () => {
    expect(render("echo ${input.x}", { input: { x: "'; rm -rf / #" } }, q)).toBe("echo ''\\''; rm -rf / #'");
  });
});

describe("compile errors carry the key path", () => {
  test.each<[unknown, (string | number)[], string, string]>([
    ["${input.}", [], 'expected a name after "."', "input."],
    [{ a: { b: "x ${input[} y" } }, ["a", "b"], "expected a quoted name", "input["],
    [{ list: ["ok", "${1 +}"] }, ["list", 1], "expected a value", "1 +"],
    [{ a: "${input.name" }, ["a"], 'missing "}"', "input.name"],
    [{ a: "hi ${" }, ["a"], "expected a value", ""],
    [{ a: "${x as nope}" }, ["a"], 'unknown type "nope"', "x as nope"],
  ])("%p", (value, path, reason, expression) => {
    try {
      compileTemplate(value);
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(BindingError);
      const be = e as BindingError;
      expect(be.path).toEqual(path);
      expect(be.reason).toContain(reason);
      expect(be.expression).toBe(expression);
      expect(be.message).toContain(`\${${expression}}`);
    }
  });

  test("the message does not repeat the key path (callers add it)", () => {
    try {
      compileTemplate({ deep: { key: "${input.}" } });
    } catch (e) {
      expect((e as BindingError).message.startsWith("expected a name")).toBe(true);
    }
  });
});

describe("render errors carry the key path and the expression", () => {
  test("conversion failure", () => {
    try {
      render({ cfg: { n: "${input.name as number}" } });
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(BindingError);
      const be = e as BindingError;
      expect(be.path).toEqual(["cfg", "n"]);
      expect(be.expression).toBe("input.name as number");
      expect(be.message).toContain('cannot convert the string "Ada" to number');
      expect(be.message).toContain("in ${input.name as number}");
    }
  });

  test("offsets are relative to the expression, not the string", () => {
    try {
      render("prefix ${input.n - input.name}");
      throw new Error("no error");
    } catch (e) {
      expect((e as BindingError).offset).toBe("input.n - ".length);
    }
  });

  test("rendering does not reparse: the same template renders against many scopes", () => {
    const t = compileTemplate({ v: "${input.n * 2}", s: "n=${input.n}" });
    for (let n = 0; n < 100; n++)
      expect(renderTemplate(t, { input: { n } })).toEqual({ v: n * 2, s: `n=${n}` });
  });

  test("a plain object is not a template", () => {
    expect(() => renderTemplate({ source: 1, isStatic: true }, {})).toThrow("not a template");
  });
});

describe("views in templates", () => {
  const env = new BindingView(
    (k) => ({ A: "1", B: "2" })[k as string],
    () => ["A", "B"],
  );
  test("a whole-value view renders as a plain object", () => {
    const out = render("${env}", { env });
    expect(out).toEqual({ A: "1", B: "2" });
    expect(out).not.toBeInstanceOf(BindingView);
  });
  test("a view interpolates as JSON", () => {
    expect(render("e=${env}", { env })).toBe('e={"A":"1","B":"2"}');
  });
  test("member reads go through the view", () => {
    expect(render("${env.B}-${env.C | none}", { env })).toBe("2-none");
  });
});

describe("views standing for a whole value in templates", () => {
  const view = (whole: unknown) =>
    new BindingView(
      (k) => (k === "fallback" ? "fb" : undefined),
      () => [],
      whole,
    );
  test.each<[unknown, unknown, unknown]>([
    ["text", "${output}", "text"],
    ["text", "<${output}>", "<text>"],
    [{ a: 1 }, "${output}", { a: 1 }],
    [{ a: 1 }, "o=${output}", 'o={"a":1}'],
    [[1, 2], ["...${output}"], [1, 2]],
    [{ a: 1 }, { "...": "${output}", b: 2 }, { a: 1, b: 2 }],
    [null, "[${output}]", "[]"],
    ["x", "${output.fallback}", "fb"],
  ])("%p rendered through %p", (whole, template, expected) => {
    expect(render(template, { output: view(whole) })).toEqual(expected);
  });

  test("a view standing for undefined is missing when interpolated", () => {
    expect(() => render("a${output}", { output: view(undefined) })).toThrow("missing (undefined)");
  });
});
