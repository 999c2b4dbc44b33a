// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are binding source text, not JS templates
import { describe, expect, test } from "bun:test";
import { BindingError, BindingView, evaluate, parseBinding, type Scope } from "./mod.ts";

const scope: Scope = {
  input: {
    name: "Ada",
    model: null,
    zero: 0,
    empty: "",
    no: false,
    count: "42",
    price: 2.5,
    flag: "yes",
    text: "  Hello World  ",
    csv: "a,b,c",
    json: '{"a":[1,2],"b":{"c":"d"}}',
    badJson: "{oops",
    word: "abc",
    items: [
      { name: "x", size: 1, meta: { tag: "t1", extra: 9 } },
      { name: "y", size: 2, meta: { tag: "t2" } },
      { name: "z", size: 3 },
    ],
    nested: [
      [1, 2],
      [3, 4],
    ],
    "odd key": "spaced",
    "a-b": "hyphen key",
    a: 10,
    b: 4,
    length: "own length",
  },
  env: { MODEL: "gpt-4o-mini", FALLBACK: "claude", EMPTY: "" },
  jobs: {
    "start-time": { output: "1732000000100" },
    "end-time": { output: "1732000000123" },
    a: { output: { x: 1 } },
  },
  output: { "start-time": 100, "end-time": 160 },
  stdout: "  done\n",
  exit_code: 0,
  status: 404,
};

const run = (source: string, s: Scope = scope) => evaluate(parseBinding(source), s);

describe("paths", () => {
  test.each<[string, unknown]>([
    ["input.name", "Ada"],
    ['input["name"]', "Ada"],
    ["input['odd key']", "spaced"],
    ["input.items[0].name", "x"],
    ["input.items[-1].name", "z"],
    ["input.items[-3].name", "x"],
    ["input.items[3]", undefined],
    ["input.items[-4]", undefined],
    ["input.items[*].name", ["x", "y", "z"]],
    ["input.items[*].meta.tag", ["t1", "t2", undefined]],
    ["input.nested[*][0]", [1, 3]],
    [
      "input.nested[*][*]",
      [
        [1, 2],
        [3, 4],
      ],
    ],
    ["input.items.1.name", "y"],
    ["jobs.start-time.output", "1732000000100"],
    ["output.end-time", 160],
    ["input.a-b", "hyphen key"],
    ["input.missing", undefined],
    ["input.missing.deeper[0].x", undefined],
    ["nosuchsource.x", undefined],
    ["input.name[0]", "A"],
    ["input.name[-1]", "a"],
    ["input.length", "own length"],
    ["input.items.length", 3],
    ["input.name.length", 3],
    ["env.length", 3],
    ["exit_code", 0],
  ])("%s", (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  test("[*] alone gives the list itself", () => {
    expect(run("input.items[*]")).toBe((scope.input as { items: unknown }).items);
  });

  test("whole source keeps identity", () => {
    expect(run("input")).toBe(scope.input);
  });
});

describe("hyphenated names versus minus", () => {
  test.each<[string, unknown]>([
    ["jobs.end-time.output - jobs.start-time.output", 23],
    ["output.end-time - output.start-time", 60],
    ["input.a - input.b", 6],
    ["input.a-b", "hyphen key"],
    ["input.a -input.b", 6],
    ["input.a - -1", 11],
    ["-input.a", -10],
    ["- 1", -1],
  ])("%s", (source, expected) => {
    expect(run(source)).toEqual(expected);
  });
});

describe("defaults", () => {
  test.each<[string, unknown]>([
    ['input.missing | "gpt-4o"', "gpt-4o"],
    ["input.missing | 'single'", "single"],
    ["input.missing | 0.7", 0.7],
    ["input.missing | -2", -2],
    ["input.missing | true", true],
    ["input.missing | null", null],
    ["input.missing | gpt-4o", "gpt-4o"],
    ["input.missing | hello world ", "hello world"],
    ["input.model | fallback", "fallback"],
    ["input.zero | 5", 0],
    ["input.empty | x", ""],
    ["input.no | true", false],
    ["env.NOPE | ${env.FALLBACK | 'gpt-4o'}", "claude"],
    ["env.NOPE | ${env.ALSO_NOPE | 'gpt-4o'}", "gpt-4o"],
    ["env.MODEL | ${env.FALLBACK}", "gpt-4o-mini"],
    ["env.NOPE | ${env.ALSO | ${env.FALLBACK}}", "claude"],
    ['input.missing | "a" | "b"', "a"],
    ['input.missing | ${input.model} | "third"', "third"],
    ["input.missing | don't stop", "don't stop"],
    ['input.missing.trim() | "none"', "none"],
    ["(input.missing | 2) * 3", 6],
  ])("%s", (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  test("the default is not evaluated when the value is present", () => {
    // the fallback would fail if evaluated
    expect(run("input.name | ${input.word as number}")).toBe("Ada");
  });
});

describe("as conversions", () => {
  test.each<[string, unknown]>([
    ["input.count as number", 42],
    ["input.price as number", 2.5],
    ['"  7 " as number', 7],
    ['"1e3" as number', 1000],
    ['"3.9" as integer', 3],
    ["-2.7 as integer", -2],
    ["input.count as integer", 42],
    ["input.flag as boolean", true],
    ['"OFF" as boolean', false],
    ['"0" as boolean', false],
    ["1 as boolean", true],
    ["0 as boolean", false],
    ["input.no as boolean", false],
    ["input.price as text", "2.5"],
    ["true as text", "true"],
    ["input.items[0].meta as text", '{"tag":"t1","extra":9}'],
    ["input.json as json", { a: [1, 2], b: { c: "d" } }],
    ["input.json as json", { a: [1, 2], b: { c: "d" } }],
    ["input.items[0] as json", { name: "x", size: 1, meta: { tag: "t1", extra: 9 } }],
    ['"hello" as base64', "aGVsbG8="],
    ['"héllo" as base64', Buffer.from("héllo").toString("base64")],
    ["42 as base64", "NDI="],
    ["input.items as object[]/name", [{ name: "x" }, { name: "y" }, { name: "z" }]],
    [
      "input.items as object[]/name, meta.tag",
      [{ name: "x", meta: { tag: "t1" } }, { name: "y", meta: { tag: "t2" } }, { name: "z" }],
    ],
    [
      "input.items as object[]/meta.tag,meta",
      [{ meta: { tag: "t1", extra: 9 } }, { meta: { tag: "t2" } }, {}],
    ],
    ["input.items as object[]", (scope.input as { items: unknown }).items],
    ["input.items[0] as object/name,size", { name: "x", size: 1 }],
    ["input.missing as number", undefined],
    ["input.model as number", null],
    ["input.missing as number | 3", 3],
    ["input.json as json as text", '{"a":[1,2],"b":{"c":"d"}}'],
  ])("%s", (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  test("json then member access needs parentheses", () => {
    expect(run("(input.json as json).b.c")).toBe("d");
  });

  test("object[] projection does not change the source", () => {
    run("input.items as object[]/meta,meta.tag");
    expect((scope.input as { items: { meta?: object }[] }).items[0]!.meta).toEqual({ tag: "t1", extra: 9 });
  });
});

describe("methods", () => {
  test.each<[string, unknown]>([
    ["stdout.trim()", "done"],
    ["input.text.trim().lower()", "hello world"],
    ["input.name.upper()", "ADA"],
    ["input.csv.split(',')", ["a", "b", "c"]],
    ["input.csv.split(',').join(' | ')", "a | b | c"],
    ["input.items[*].size.join('+')", undefined],
    ["(input.items[*].name).join('-')", "x-y-z"],
    ["input.items[*].name.upper()", ["X", "Y", "Z"]],
    ["input.word.slice(1)", "bc"],
    ["input.word.slice(0, -1)", "ab"],
    ["input.items.slice(1, 2)[0].name", "y"],
    ["input.csv.replace(',', ';')", "a;b;c"],
    ["input.word.includes('bc')", true],
    ["input.csv.split(',').includes('b')", true],
    ["input.nested[0].includes('2')", true],
    ["input.items.length", 3],
    ["input.text.trim().length", 11],
    ["input.word.length()", 3],
    ["input.missing.upper()", undefined],
    ['"a-b".split("-")', ["a", "b"]],
  ])("%s", (source, expected) => {
    if (source === "input.items[*].size.join('+')") {
      // join is applied to each element inside a [*] projection: sizes are numbers, not lists
      expect(() => run(source)).toThrow(BindingError);
      return;
    }
    expect(run(source)).toEqual(expected);
  });
});

describe("operators", () => {
  test.each<[string, unknown]>([
    ["exit_code == 0", true],
    ["exit_code != 0", false],
    ["status == '404'", true],
    ["input.count == 42", true],
    ["input.name == 'Ada'", true],
    ["input.name == 'ada'", false],
    ["input.missing == null", true],
    ["input.model == null", true],
    ["input.items[0].meta == input.items[0].meta", true],
    ["true == 'true'", false],
    ["1 + 2 * 3", 7],
    ["(1 + 2) * 3", 9],
    ["10 - 4 - 3", 3],
    ["7 % 4", 3],
    ["7 / 2", 3.5],
    ['"1732000000123" - "1732000000100"', 23],
    ["input.count + 1", 43],
    ["'a' + 'b'", "ab"],
    ["input.name + 1", "Ada1"],
    ["'n=' + input.items[0].meta", 'n={"tag":"t1","extra":9}'],
    ["'x' + input.model", "x"],
    ["1 < 2 && 2 <= 2", true],
    ["input.count > 100 || input.count >= 42", true],
    ["'abc' < 'abd'", true],
    ["'10' > '9'", true],
    ["!exit_code", true],
    ["!!input.name", true],
    ["!(1 == 1)", false],
    ["input.missing || 'alt'", "alt"],
    ["input.name && input.word", "abc"],
    ["input.zero && input.word", 0],
    ["1 + 2 == 3 && !false", true],
    // Text that reads as "no" is false, as in a job's `if:` (env values are text).
    ["!'false'", true],
    ["!' No '", true],
    ["!'0'", true],
    ["!''", true],
    ["!'yes'", false],
    ["!'falsey'", false],
    ["'false' || 'alt'", "alt"],
    ["'0' && 'never'", "0"],
    ["input.missing - 1", undefined],
    ["input.missing > 1", undefined],
    ["1 + 2 as text | 'x'", "3"],
    ["input.missing + 1 as text | 'x'", "x"],
  ])("%s", (source, expected) => {
    expect(run(source)).toEqual(expected);
  });
});

describe("evaluation errors", () => {
  test.each<[string, string[]]>([
    ["input.word as number", ['cannot convert the string "abc" to number', "${input.word as number}"]],
    ["input.word as integer", ["to integer"]],
    ["input.word as boolean", ["cannot convert", "to boolean"]],
    ["input.items as boolean", ["a list", "to boolean"]],
    ["input.badJson as json", ["is not valid JSON", "${input.badJson as json}"]],
    ["input.word as object[]", ["cannot convert", "object[]"]],
    ["input.nested as object[]/a", ["element 0 is a list"]],
    ["input.word - 1", ['"-" needs numbers', '`input.word` is the string "abc"']],
    ["input.a * input.name", ['"*" needs numbers', "`input.name`"]],
    ["input.a / input.zero", ["division by zero"]],
    ["input.a % 0", ["division by zero"]],
    ["-input.word", ['"-" needs a number']],
    ["input.items < 1", ['"<" compares numbers or texts']],
    ["input.word.frobnicate()", ["unknown method frobnicate()", "available: trim()"]],
    ["input.word.trim(1)", ["trim() takes 0 arguments, not 1"]],
    ["input.word.split()", ["split() takes 1 argument, not 0"]],
    ["input.a.trim()", ["trim() works on text, not on the number 10"]],
    ["input.word.join(',')", ["join() works on a list"]],
    ["input.word.slice('x')", ["slice() needs an integer"]],
    ["input.word.split(input.items)", ["split() needs text as argument 1"]],
    ["input.a.includes(1)", ["includes() works on text or a list"]],
    ["input.word[*]", ["[*] needs a list", '`input.word` is the string "abc"']],
    ["input.a.length()", ["length() works on"]],
  ])("%s", (source, fragments) => {
    let error: unknown;
    try {
      run(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BindingError);
    const be = error as BindingError;
    expect(be.expression).toBe(source);
    expect(be.message).toContain(`\${${source}}`);
    for (const f of fragments) expect(be.message).toContain(f);
  });

  test("the offset points at the failing part", () => {
    try {
      run("input.a + input.word * 2");
      throw new Error("no error");
    } catch (e) {
      expect((e as BindingError).offset).toBe("input.a + ".length);
    }
  });
});

describe("no access to prototypes or functions", () => {
  const hostile: Scope = {
    input: { fn: () => "called", obj: {}, list: [1], date: new Date(0) },
    ["__proto__" as string]: { x: 1 },
  };
  test.each<string>([
    "input.__proto__",
    "input.constructor",
    "input.prototype",
    'input["__proto__"]',
    "input['constructor']",
    "input.obj.constructor",
    "input.obj.__proto__.polluted",
    "input.obj.toString",
    "input.obj.hasOwnProperty",
    "input.list.constructor",
    "input.list.map",
    "input.list.__proto__",
    "input.fn",
    "input.fn.name",
    "input.date.getTime",
    "constructor",
    "__proto__",
    "toString",
    "input.obj.valueOf",
    "input.list['push']",
    "input.obj.constructor.constructor",
  ])("%s is undefined", (source) => {
    expect(run(source, hostile)).toBeUndefined();
  });

  test("calling a prototype method is an error, not a call", () => {
    expect(() => run("input.obj.toString()", hostile)).toThrow("unknown method toString()");
    expect(() => run("input.list.constructor('x')", hostile)).toThrow(BindingError);
  });

  test("JSON-parsed __proto__ keys are not readable and do not pollute", () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": 1}}');
    expect(run("input.__proto__.polluted", { input: parsed })).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("BindingView", () => {
  const calls: (string | number)[] = [];
  const env = new BindingView(
    (key) => {
      calls.push(key);
      return key === "A" ? "from-view" : key === "FN" ? () => 1 : undefined;
    },
    () => ["A"],
  );
  const lookupOnly = new BindingView((key) => (typeof key === "number" ? key * 2 : `v:${key}`));
  const s: Scope = { env, input: { deep: { view: lookupOnly } } };

  test.each<[string, unknown]>([
    ["env.A", "from-view"],
    ["env.B", undefined],
    ["env.B | 'dflt'", "dflt"],
    ["env['A']", "from-view"],
    ["env.length", 1],
    ["env.FN", undefined],
    ["input.deep.view.x", "v:x"],
    ["input.deep.view[3]", 6],
    ["input.deep.view.__proto__", undefined],
  ])("%s", (source, expected) => {
    expect(run(source, s)).toEqual(expected);
  });

  test("reads are lazy: only the keys used are looked up", () => {
    calls.length = 0;
    run("env.A", s);
    expect(calls).toEqual(["A"]);
  });

  test("a view is serialised through its key list", () => {
    expect(JSON.stringify(env)).toBe('{"A":"from-view"}');
  });
});

describe("BindingView standing for a whole value", () => {
  const byJob: Record<string, unknown> = { "end-time": 160, "start-time": 100 };
  const viewOf = (previous: unknown) =>
    new BindingView(
      (key) => {
        if (previous !== null && typeof previous === "object" && Object.hasOwn(previous, key)) {
          return (previous as Record<string | number, unknown>)[key];
        }
        return byJob[key];
      },
      () => (previous !== null && typeof previous === "object" ? Object.keys(previous) : []),
      previous,
    );

  test.each<[unknown, string, unknown]>([
    [{ a: 1 }, "output.a", 1],
    [{ a: 1 }, "output.end-time - output.start-time", 60],
    [{ a: 1 }, "output.length", 1],
    ["  text  ", "output.trim()", "text"],
    ["  text  ", "output.length", 8],
    ["41", "output + 1", 42],
    ["41", "output as number", 41],
    ["41", "output == 41", true],
    [[1, 2, 3], "output[*]", [1, 2, 3]],
    [[1, 2, 3], "output[2]", 3],
    [[1, 2, 3], "output[-1]", undefined], // keys go to get() as written
    [[1, 2, 3], "output.includes(2)", true],
    [null, "output | 'dflt'", "dflt"],
    [null, "output.end-time", 160],
    [undefined, "output as text | 'none'", "none"],
    ["yes", "output as boolean", true],
    [{ a: 1 }, "output as text", '{"a":1}'],
    ["x", "'<' + output + '>'", "<x>"],
    [0, "!output", true],
  ])("%p: %s", (previous, source, expected) => {
    expect(run(source, { output: viewOf(previous) })).toEqual(expected);
  });

  test("serialises as its whole value", () => {
    expect(JSON.stringify({ o: viewOf("s") })).toBe('{"o":"s"}');
  });

  test("a view made without a whole value has none", () => {
    const v = new BindingView(() => 1);
    expect(v.hasValue).toBe(false);
    expect(new BindingView(() => 1, undefined, undefined).hasValue).toBe(true);
  });
});
