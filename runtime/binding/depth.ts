/**
 * How deeply a binding expression may nest: parentheses, `!`, method arguments, nested
 * `${...}` defaults, and chains of operators (each link is one level of the tree the
 * evaluator walks). The parser and the evaluator recurse once per level, so without a
 * bound `${((((...))))}` 10 000 levels deep ends in "Maximum call stack size exceeded"
 * with no location; past the limit it is a syntax error at the construct that goes too
 * deep, with its file:line:column.
 *
 * Set with MODEL_COMPOSE_MAX_EXPRESSION_DEPTH in the process environment (like the
 * loading limits, it guards the reading of the compose file itself).
 */
import { ConfigError } from "../errors.ts";

export const EXPRESSION_DEPTH = {
  env: "MODEL_COMPOSE_MAX_EXPRESSION_DEPTH",
  default: 128,
  /** Deeper than this, the stack of a worker thread may not hold the recursion. */
  max: 2000,
} as const;

let cached: { text: string | undefined; value: number } | undefined;

/** The limit in force (read from the process environment, checked). */
export function maxExpressionDepth(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const text = env[EXPRESSION_DEPTH.env];
  if (cached && cached.text === text) return cached.value;
  let value: number = EXPRESSION_DEPTH.default;
  if (text !== undefined && text.trim() !== "") {
    const n = Number(text);
    if (!/^\s*[0-9]+\s*$/.test(text) || n < 1 || n > EXPRESSION_DEPTH.max) {
      throw new ConfigError(
        `environment variable ${EXPRESSION_DEPTH.env} must be a whole number from 1 to ${EXPRESSION_DEPTH.max}, found "${text}"`,
      );
    }
    value = n;
  }
  cached = { text, value };
  return value;
}

export function tooDeep(limit: number): string {
  return `the expression nests more than ${limit} levels deep here (the limit ${EXPRESSION_DEPTH.env})`;
}
