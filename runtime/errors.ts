/**
 * The two kinds of error a user sees. A ConfigError is a mistake in the compose file or
 * the command line (exit code 2); a RunError is a failure while a workflow runs (exit
 * code 1). Both carry enough context to be printed as one readable line.
 */

/** Where in which file a value came from. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** A key path inside a document: `workflows[0].jobs[2].component`. */
export type KeyPath = ReadonlyArray<string | number>;

export function formatKeyPath(path: KeyPath): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out || "(document)";
}

export function formatLocation(loc: SourceLocation | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column}` : "";
}

/** A problem with the configuration: file, position, key path and what was expected. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly reason: string,
    readonly location?: SourceLocation,
    readonly keyPath?: KeyPath,
  ) {
    super(ConfigError.compose(reason, location, keyPath));
  }

  private static compose(reason: string, location?: SourceLocation, keyPath?: KeyPath): string {
    const where = [formatLocation(location), keyPath?.length ? formatKeyPath(keyPath) : ""]
      .filter(Boolean)
      .join(": ");
    return where ? `${where}: ${reason}` : reason;
  }
}

/** Several configuration problems found in one pass, reported together. */
export class ConfigErrors extends Error {
  override readonly name = "ConfigErrors";
  constructor(readonly errors: ConfigError[]) {
    super(errors.map((e) => e.message).join("\n"));
  }
}

/** A failure while running a workflow; names the job when one is to blame. */
export class RunError extends Error {
  override readonly name = "RunError";
  constructor(
    message: string,
    readonly details: { jobId?: string; workflowId?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
  }
}

/** Raised inside a run that was cancelled (by a user, a failing sibling job, or shutdown). */
/** A service the request needs (the run queue, the run store) is unreachable now: HTTP 503. */
export class ServiceUnavailableError extends Error {
  override readonly name = "ServiceUnavailableError";
}

export class CancelledError extends Error {
  override readonly name = "CancelledError";
  constructor(message = "cancelled") {
    super(message);
  }
}

/** Suggests the closest of `choices` to `word`, for "did you mean" hints. */
export function closest(word: string, choices: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const choice of choices) {
    const d = editDistance(word.toLowerCase(), choice.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = choice;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
