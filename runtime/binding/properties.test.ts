// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are binding source text, not JS templates
/**
 * Property-based tests of the binding language (fast-check): generated expressions and
 * texts, checked against what they must mean. Case counts: MC_PROPERTY_RUNS (default
 * 300) per property. A fixed seed keeps the suite deterministic; set MC_PROPERTY_SEED
 * (and more runs) to explore other cases.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { EXPRESSION_DEPTH } from "./depth.ts";
import {
  BindingError,
  compileTemplate,
  evaluate,
  isBindingString,
  parseBinding,
  renderTemplate,
} from "./mod.ts";

const RUNS = Number(process.env.MC_PROPERTY_RUNS ?? 300);
const SEED = Number(process.env.MC_PROPERTY_SEED ?? 20261201);

/** Constructs that nest: each call wraps an expression in one more level. */
const WRAPS = [
  (inner: string) => `(${inner})`,
  (inner: string) => `!${inner}`,
  (inner: string) => `${inner} + 1`,
  (inner: string) => `input.s.replace(${inner}, "x")`,
  (inner: string) => `(${inner} | \${input.y})`,
];
const settings = { numRuns: RUNS, seed: SEED };

/** Arithmetic over small integers, printed fully parenthesised, with its value computed by JS. */
type Arith = { text: string; value: number };
const arith: fc.Arbitrary<Arith> = fc.letrec<{ e: Arith }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.integer({ min: -1000, max: 1000 }).map((n) => ({ text: n < 0 ? `(${n})` : String(n), value: n })),
    fc.tuple(tie("e"), fc.constantFrom("+", "-", "*"), tie("e")).map(([a, op, b]) => ({
      text: `(${a.text} ${op} ${b.text})`,
      value: op === "+" ? a.value + b.value : op === "-" ? a.value - b.value : a.value * b.value,
    })),
  ),
})).e;

/** Characters that matter to the binding syntax, and some that do not. */
const SOUP = [..."ab_.$ {}[]()|!<>=&+-*/%,'\"\\\n\t0123456789@"];
const soup = fc.string({ unit: fc.constantFrom(...SOUP), maxLength: 40 });

describe("binding language properties", () => {
  test("arithmetic evaluates as in JavaScript, precedence and parentheses included", () => {
    fc.assert(
      fc.property(arith, (e) => {
        const value = evaluate(parseBinding(e.text), {});
        expect(value === 0 ? 0 : value).toBe(e.value === 0 ? 0 : e.value);
      }),
      settings,
    );
  });

  test("precedence without parentheses: a op1 b op2 c", () => {
    const int = fc.integer({ min: -50, max: 50 });
    fc.assert(
      fc.property(
        int,
        fc.constantFrom("+", "-", "*"),
        int,
        fc.constantFrom("+", "-", "*"),
        int,
        (a, o1, b, o2, c) => {
          const text = `input.a ${o1} input.b ${o2} input.c`;
          // biome-ignore lint/security/noGlobalEval: the reference is JavaScript's own precedence, on integers only
          const expected = eval(`(${a}) ${o1} (${b}) ${o2} (${c})`) as number;
          const value = evaluate(parseBinding(text), { input: { a, b, c } }) as number;
          expect(value + 0).toBe(expected + 0);
        },
      ),
      settings,
    );
  });

  test("a JSON-quoted string literal evaluates to the string", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        expect(evaluate(parseBinding(JSON.stringify(s)), {})).toBe(s);
      }),
      settings,
    );
  });

  test("a path reads the value; a default applies to a missing one only", () => {
    const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
    fc.assert(
      fc.property(key, fc.jsonValue(), (k, v) => {
        const scope = { input: { [k]: v } };
        const read = evaluate(parseBinding(`input.${k}`), scope);
        expect(read).toEqual(v);
        const defaulted = evaluate(parseBinding(`input.${k} | "fallback"`), scope);
        expect(defaulted).toEqual(v === null ? "fallback" : v);
        expect(evaluate(parseBinding(`input.${k}_missing | "fallback"`), scope)).toBe("fallback");
      }),
      settings,
    );
  });

  test("any text: parsing either succeeds or throws a BindingError with an offset inside the text", () => {
    fc.assert(
      fc.property(soup, (text) => {
        try {
          parseBinding(text);
        } catch (e) {
          expect(e).toBeInstanceOf(BindingError);
          const offset = (e as BindingError).offset;
          if (offset !== undefined) expect(offset).toBeLessThanOrEqual(text.length);
        }
      }),
      settings,
    );
  });

  test("any text in a template: compiling either succeeds or throws a BindingError", () => {
    fc.assert(
      fc.property(soup, (text) => {
        try {
          const t = compileTemplate(text);
          if (!isBindingString(text)) expect(t.isStatic).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(BindingError);
        }
      }),
      settings,
    );
  });

  test("$${ escapes: any text with every ${ written as $${ renders to itself", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."${}ab x"), maxLength: 30 }), (text) => {
        const escaped = text.replaceAll("${", () => "$${");
        expect(isBindingString(escaped)).toBe(false);
        expect(renderTemplate(compileTemplate(escaped), {})).toBe(text);
      }),
      settings,
    );
  });

  test("interpolation: text around a binding is kept, the value is inserted as text", () => {
    const plain = fc
      .string({ unit: fc.constantFrom(..."ab {}$x"), maxLength: 10 })
      .filter((s) => !s.includes("$"));
    fc.assert(
      fc.property(plain, fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), plain, (pre, v, post) => {
        const out = renderTemplate(compileTemplate(`${pre}\${input.v}${post}`), { input: { v } });
        // A string that is exactly one binding keeps the value's type.
        expect(out).toBe(pre === "" && post === "" ? v : `${pre}${String(v)}${post}`);
      }),
      settings,
    );
  });

  test("nesting well inside the depth limit parses; deeper is a BindingError naming the limit, never a crash", () => {
    const wrap = fc.constantFrom(...WRAPS);
    fc.assert(
      fc.property(fc.array(wrap, { minLength: 1, maxLength: 3 * EXPRESSION_DEPTH.default }), (wraps) => {
        const text = wraps.reduce((inner, w) => w(inner), "input.x");
        try {
          parseBinding(text);
        } catch (e) {
          expect(e).toBeInstanceOf(BindingError);
          expect((e as BindingError).message).toContain(
            `nests more than ${EXPRESSION_DEPTH.default} levels deep here (the limit MODEL_COMPOSE_MAX_EXPRESSION_DEPTH)`,
          );
          expect(wraps.length).toBeGreaterThan(EXPRESSION_DEPTH.default - 8);
        }
      }),
      settings,
    );
  });

  test.each(WRAPS.map((w, i) => [i, w] as const))(
    "one construct (%i) nested past the limit is refused",
    (_, w) => {
      let text = "input.x";
      for (let k = 0; k < EXPRESSION_DEPTH.default + 2; k++) text = w(text);
      expect(() => parseBinding(text)).toThrow("(the limit MODEL_COMPOSE_MAX_EXPRESSION_DEPTH)");
      let ok = "input.x";
      for (let k = 0; k < EXPRESSION_DEPTH.default - 8; k++) ok = w(ok);
      expect(() => parseBinding(ok)).not.toThrow();
    },
  );
});
