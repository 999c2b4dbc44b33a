// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are binding source text, not JS templates
import { describe, expect, test } from "bun:test";
import {
  BindingError,
  checkTemplate,
  collectReferences,
  compileTemplate,
  hasOnlySources,
  SOURCES,
} from "./mod.ts";

const refs = (value: unknown) =>
  collectReferences(compileTemplate(value)).map((r) => [r.source, r.path, r.expression, r.keyPath]);

describe("collectReferences", () => {
  test.each<[unknown, unknown[]]>([
    ["${jobs.a.output.x}", [["jobs", ["a", "output", "x"], "jobs.a.output.x", []]]],
    ["${input}", [["input", [], "input", []]]],
    ['${input["odd key"][0][-1]}', [["input", ["odd key", 0, -1], 'input["odd key"][0][-1]', []]]],
    ["${input.items[*].name}", [["input", ["items", "*", "name"], "input.items[*].name", []]]],
    ["${stdout.trim().length}", [["stdout", [], "stdout.trim().length", []]]],
    ["${input.text.split(',')[0]}", [["input", ["text"], "input.text.split(',')[0]", []]]],
    [
      "${jobs.end-time.output - jobs.start-time.output}",
      [
        ["jobs", ["end-time", "output"], "jobs.end-time.output - jobs.start-time.output", []],
        ["jobs", ["start-time", "output"], "jobs.end-time.output - jobs.start-time.output", []],
      ],
    ],
    [
      "${env.MODEL | ${env.FALLBACK | 'gpt-4o'}}",
      [
        ["env", ["MODEL"], "env.MODEL | ${env.FALLBACK | 'gpt-4o'}", []],
        ["env", ["FALLBACK"], "env.MODEL | ${env.FALLBACK | 'gpt-4o'}", []],
      ],
    ],
    [
      "${input.s.replace(env.A, context.b)}",
      [
        ["input", ["s"], "input.s.replace(env.A, context.b)", []],
        ["env", ["A"], "input.s.replace(env.A, context.b)", []],
        ["context", ["b"], "input.s.replace(env.A, context.b)", []],
      ],
    ],
    ["${(input.a).b}", [["input", ["a"], "(input.a).b", []]]],
    ["${'lit'.upper()} ${1 + 2}", []],
    [
      { a: ["x", { b: "${input.x} ${env.Y}" }], "...": "${result}" },
      [
        ["input", ["x"], "input.x", ["a", 1, "b"]],
        ["env", ["Y"], "env.Y", ["a", 1, "b"]],
        ["result", [], "result", ["..."]],
      ],
    ],
    [["...${output.items}"], [["output", ["items"], "output.items", [0]]]],
    [{ s: "$${input.x}", n: 1 }, []],
  ])("%p", (value, expected) => {
    expect(refs(value) as unknown[]).toEqual(expected);
  });
});

describe("hasOnlySources", () => {
  test.each<[unknown, string[], boolean]>([
    ["${env.PORT | 8080}", ["env"], true],
    ["http://${env.HOST}:${env.PORT}", ["env"], true],
    ["${env.A} ${input.b}", ["env"], false],
    ["${env.A | ${input.b}}", ["env"], false],
    ["no bindings", ["env"], true],
    [{ a: "${env.X}", b: ["${input.y}"] }, ["env", "input"], true],
    ["${1 + 2}", [], true],
  ])("%p with %p is %p", (value, sources, expected) => {
    expect(hasOnlySources(compileTemplate(value), sources)).toBe(expected);
  });
});

describe("checkTemplate", () => {
  test("no problems", () => {
    expect(checkTemplate(compileTemplate({ a: "${input.x.trim()} ${env.Y | z}" }), ["input", "env"])).toEqual(
      [],
    );
  });

  test("an unknown source is reported with the allowed list and a suggestion", () => {
    const [e, ...rest] = checkTemplate(compileTemplate({ cmd: ["echo", "x ${inptu.name}"] }), [
      "input",
      "env",
    ]);
    expect(rest).toEqual([]);
    expect(e).toBeInstanceOf(BindingError);
    expect(e!.message).toBe(
      'unknown source "inptu" (did you mean "input"?); allowed here: input, env at column 1 in ${inptu.name}',
    );
    expect(e!.path).toEqual(["cmd", 1]);
    expect(e!.expression).toBe("inptu.name");
    expect(e!.offset).toBe(0);
  });

  test("a known source that is not allowed here is reported", () => {
    const errors = checkTemplate(compileTemplate("${stdout} and ${input.x - exit_code}"), ["input"]);
    expect(errors.map((e) => [e.reason, e.expression, e.offset])).toEqual([
      ['unknown source "stdout"; allowed here: input', "stdout", 0],
      ['unknown source "exit_code"; allowed here: input', "input.x - exit_code", 10],
    ]);
  });

  test("advice for a source is said after the expression, and only for that source", () => {
    const errors = checkTemplate(compileTemplate("${jobs.a.output} ${stdout}"), ["input"], {
      jobs: "pass it through input",
    });
    expect(errors.map((e) => [e.note, e.message])).toEqual([
      [
        "pass it through input",
        'unknown source "jobs"; allowed here: input at column 1 in ${jobs.a.output}; pass it through input',
      ],
      [undefined, 'unknown source "stdout"; allowed here: input at column 1 in ${stdout}'],
    ]);
    expect(errors[0].at(["x"]).note).toBe("pass it through input");
  });

  test("sources in nested defaults and method arguments are checked too", () => {
    const errors = checkTemplate(compileTemplate("${input.a | ${nope.b}} ${input.s.split(bad)}"), ["input"]);
    expect(errors.map((e) => e.reason.split(";")[0])).toEqual([
      'unknown source "nope"',
      'unknown source "bad"',
    ]);
  });

  test("unknown methods and wrong argument counts are reported", () => {
    const errors = checkTemplate(
      compileTemplate({ a: "${input.x.frob()}", b: "${input.x.split()}" }),
      SOURCES,
    );
    expect(errors.map((e) => [e.path, e.reason])).toEqual([
      [["a"], expect.stringContaining("unknown method frob()")],
      [["b"], "split() takes 1 argument, not 0"],
    ]);
  });

  test("every source name is recognised when all are allowed", () => {
    const all = SOURCES.map((s) => `\${${s}}`).join(" ");
    expect(checkTemplate(compileTemplate(all), SOURCES)).toEqual([]);
  });

  test("nothing allowed", () => {
    expect(checkTemplate(compileTemplate("${input}"), [])[0]!.reason).toBe(
      'unknown source "input"; allowed here: (none)',
    );
  });
});
