/**
 * Evaluates an expression tree against a scope. Pure: it reads the scope and never
 * changes it. Missing values are undefined (so `| default` applies); operations that
 * cannot be done (non-numeric arithmetic, bad conversions, unknown methods) throw a
 * BindingError that shows the expression.
 */

import { describeValue } from "../schema-kit.ts";
import type { AccessNode, BinaryNode, Expr, Segment } from "./ast.ts";
import { ConversionFailure, convert } from "./convert.ts";
import { BindingError, EvaluationFailure } from "./errors.ts";
import { callMethod, MethodFailure } from "./methods.ts";
import { rootInfo } from "./parser.ts";
import { isNumeric, looseEquals, readMember, toNumber, toText, truthy } from "./values.ts";
import { unwrap } from "./view.ts";

/** The values bindings can read, by source name: `{ input, env, jobs, ... }`. */
export type Scope = Readonly<Record<string, unknown>>;

const FORBIDDEN_SOURCES = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Evaluates a parsed binding.
 *
 * @example
 * evaluate(parseBinding("input.items[-1].name"), { input: { items: [{ name: "a" }, { name: "b" }] } }); // "b"
 * evaluate(parseBinding('input.x as number | 0'), { input: {} }); // 0
 * @throws BindingError for evaluation errors.
 */
export function evaluate(expr: Expr, scope: Scope): unknown {
  try {
    return evalNode(expr, scope);
  } catch (e) {
    if (!(e instanceof EvaluationFailure)) throw e;
    const info = rootInfo(expr);
    const expression = info ? info.expression : expr.text;
    const base = info ? info.base : expr.start;
    throw new BindingError(e.reason, expression, { offset: Math.max(0, e.start - base) });
  }
}

function evalNode(node: Expr, scope: Scope): unknown {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "source":
      return readSource(scope, node.name);
    case "access":
      return evalSegments(node, evalNode(node.target, scope), 0, scope);
    case "unary": {
      const value = unwrap(evalNode(node.operand, scope));
      if (node.op === "!") return !truthy(value);
      if (value === undefined) return undefined;
      if (!isNumeric(value)) {
        throw new EvaluationFailure(
          `"-" needs a number, but \`${node.operand.text}\` is ${describeValue(value)}`,
          node.start,
        );
      }
      return -toNumber(value);
    }
    case "binary":
      return evalBinary(node, scope);
    case "convert": {
      const value = evalNode(node.target, scope);
      try {
        return convert(unwrap(value), node.type);
      } catch (e) {
        if (e instanceof ConversionFailure) {
          throw new EvaluationFailure(
            `\`${node.target.text}\` as ${node.type.text}: ${e.message}`,
            node.start,
          );
        }
        throw e;
      }
    }
    case "default": {
      const value = evalNode(node.target, scope);
      const plain = unwrap(value);
      return plain === undefined || plain === null ? evalNode(node.fallback, scope) : value;
    }
  }
}

function readSource(scope: Scope, name: string): unknown {
  if (FORBIDDEN_SOURCES.has(name) || !Object.hasOwn(scope, name)) return undefined;
  const value = scope[name];
  return typeof value === "function" ? undefined : value;
}

function evalSegments(node: AccessNode, start: unknown, from: number, scope: Scope): unknown {
  const segments = node.segments;
  let value = start;
  for (let i = from; i < segments.length; i++) {
    const segment: Segment = segments[i]!;
    if (segment.kind === "member") {
      value = readMember(value, segment.key);
    } else if (segment.kind === "wildcard") {
      value = unwrap(value);
      if (value === undefined || value === null) return undefined;
      if (!Array.isArray(value)) {
        const prefix = node.text.slice(0, segment.start - node.start);
        throw new EvaluationFailure(
          `[*] needs a list, but \`${prefix}\` is ${describeValue(value)}`,
          segment.start,
        );
      }
      if (i === segments.length - 1) return value;
      return value.map((element) => evalSegments(node, element, i + 1, scope));
    } else {
      const args = segment.args.map((arg) => unwrap(evalNode(arg, scope)));
      try {
        value = callMethod(segment.method, unwrap(value), args);
      } catch (e) {
        if (e instanceof MethodFailure) throw new EvaluationFailure(e.message, segment.start);
        throw e;
      }
    }
  }
  return value;
}

function evalBinary(node: BinaryNode, scope: Scope): unknown {
  const op = node.op;
  const left = unwrap(evalNode(node.left, scope));
  if (op === "&&") return truthy(left) ? unwrap(evalNode(node.right, scope)) : left;
  if (op === "||") return truthy(left) ? left : unwrap(evalNode(node.right, scope));
  const right = unwrap(evalNode(node.right, scope));
  switch (op) {
    case "==":
      return looseEquals(left, right);
    case "!=":
      return !looseEquals(left, right);
    case "<":
    case "<=":
    case ">":
    case ">=":
      return compare(node, left, right);
    case "+":
      if (left === undefined || right === undefined) return undefined;
      if (isNumeric(left) && isNumeric(right)) return toNumber(left) + toNumber(right);
      return toText(left) + toText(right);
    default:
      return arithmetic(node, left, right);
  }
}

function operandsMustBeNumbers(node: BinaryNode, left: unknown, right: unknown): void {
  for (const [side, value] of [
    [node.left, left],
    [node.right, right],
  ] as const) {
    if (!isNumeric(value)) {
      throw new EvaluationFailure(
        `"${node.op}" needs numbers, but \`${side.text}\` is ${describeValue(value)}`,
        side.start,
      );
    }
  }
}

function arithmetic(node: BinaryNode, left: unknown, right: unknown): unknown {
  if (left === undefined || right === undefined) return undefined;
  operandsMustBeNumbers(node, left, right);
  const a = toNumber(left);
  const b = toNumber(right);
  switch (node.op) {
    case "-":
      return a - b;
    case "*":
      return a * b;
    default:
      if (b === 0)
        throw new EvaluationFailure(`division by zero: \`${node.right.text}\` is 0`, node.right.start);
      return node.op === "/" ? a / b : a % b;
  }
}

function compare(node: BinaryNode, left: unknown, right: unknown): unknown {
  if (left === undefined || right === undefined) return undefined;
  let a: number | string;
  let b: number | string;
  if (isNumeric(left) && isNumeric(right)) {
    a = toNumber(left);
    b = toNumber(right);
  } else if (typeof left === "string" && typeof right === "string") {
    a = left;
    b = right;
  } else {
    throw new EvaluationFailure(
      `"${node.op}" compares numbers or texts, not ${describeValue(left)} with ${describeValue(right)}`,
      node.start,
    );
  }
  switch (node.op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
}
