/**
 * The one error type of the binding language. It is raised for syntax errors (with the
 * offset of the bad character), for evaluation errors (bad conversions, non-numeric
 * arithmetic, unknown methods) and by the static checker.
 */
export type BindingKeyPath = readonly (string | number)[];

export interface BindingErrorOptions {
  /** Offset inside `expression` that the error points at. */
  offset?: number;
  /** Key path of the string inside a template (`["jobs", 0, "input", "model"]`). */
  path?: BindingKeyPath;
  /** Said after the expression: what to write instead. */
  note?: string;
  cause?: unknown;
}

/**
 * A problem with a `${...}` binding. The message names what is wrong and shows the
 * expression; `reason` holds the bare explanation for callers that format their own.
 * The key path (`path`) is never part of the message: callers that know where the
 * template sits in the document prefix it themselves.
 *
 * @example
 * try { parseBinding("input.") } catch (e) {
 *   // e.message: 'expected a name after "." at column 7 in ${input.}'
 * }
 */
export class BindingError extends Error {
  override readonly name = "BindingError";
  /** What is wrong, without location or expression. */
  readonly reason: string;
  /** The binding's text between `${` and `}`. */
  readonly expression: string;
  /** Offset inside `expression` the error points at, when known. */
  readonly offset?: number;
  /** Key path of the failing string inside a template, when known. */
  readonly path?: BindingKeyPath;
  /** What to write instead, when the checker knows. */
  readonly note?: string;

  constructor(reason: string, expression: string, options: BindingErrorOptions = {}) {
    super(BindingError.compose(reason, expression, options), { cause: options.cause });
    this.reason = reason;
    this.expression = expression;
    if (options.offset !== undefined) this.offset = options.offset;
    if (options.path !== undefined) this.path = options.path;
    if (options.note !== undefined) this.note = options.note;
  }

  /** A copy of this error located at `path` inside a template. */
  at(path: BindingKeyPath): BindingError {
    return new BindingError(this.reason, this.expression, {
      offset: this.offset,
      path,
      note: this.note,
      cause: this.cause,
    });
  }

  private static compose(reason: string, expression: string, options: BindingErrorOptions): string {
    const column = options.offset !== undefined ? ` at column ${options.offset + 1}` : "";
    return `${reason}${column} in \${${excerpt(expression, options.offset)}}${options.note ? `; ${options.note}` : ""}`;
  }
}

/** Longer expressions are shown as a window around the offset, so a message stays readable. */
const SHOWN = 120;

function excerpt(expression: string, offset = 0): string {
  if (expression.length <= SHOWN) return expression;
  const from = Math.max(0, Math.min(offset - SHOWN / 2, expression.length - SHOWN));
  const to = from + SHOWN;
  return `${from > 0 ? "…" : ""}${expression.slice(from, to)}${to < expression.length ? "…" : ""}`;
}

/**
 * Thrown while evaluating; carries the offending node's position so `evaluate` can
 * turn it into a BindingError that shows the whole expression.
 */
export class EvaluationFailure extends Error {
  constructor(
    readonly reason: string,
    readonly start: number,
  ) {
    super(reason);
  }
}
