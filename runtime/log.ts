/**
 * Logging through pino, set up from the compose file's `logger:` section: one stream
 * per entry, each with its own level. No worker-thread transports (they do not work
 * inside a compiled binary): files use pino.destination, the console writes to stderr
 * (stdout carries `run` output), pretty on a terminal and JSON otherwise.
 * Secrets never reach a stream: Authorization headers are redacted wherever they sit,
 * and values of secret-looking environment variables are masked in every line.
 */
import { createRequire } from "node:module";
import pino, { type Level, type Logger, type StreamEntry } from "pino";
import type { LoggerConfig } from "./compose/schema.ts";
import { ConfigError } from "./errors.ts";

export type { Logger } from "pino";

const LEVELS: Record<string, Level> = {
  debug: "debug",
  info: "info",
  warning: "warn",
  warn: "warn",
  error: "error",
  critical: "fatal",
};

export function pinoLevel(level: string): Level {
  return LEVELS[level] ?? "info";
}

export interface LoggerOptions {
  loggers: readonly LoggerConfig[];
  /** Used when `loggers` is empty: a console logger at this level. */
  defaultConsoleLevel?: string;
  /** Overrides every console logger's level (e.g. `--verbose` -> debug). */
  consoleLevelOverride?: string;
  /** Values to mask in every line. */
  secrets?: readonly string[];
  /** Console destination; default stderr. */
  consoleStream?: NodeJS.WritableStream;
}

/** Header names whose values are credentials, wherever they sit in a logged object. */
const CREDENTIAL_KEYS = /^(proxy-)?authorization$/i;
const REDACTED = "[REDACTED]";

/**
 * A copy of `value` with every Authorization header value replaced, at any depth and
 * in any letter case (fixed redaction paths would miss `input.request.headers.AUTHORIZATION`).
 * Unchanged parts are shared, not copied.
 */
export function redactCredentials(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > 10) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = redactCredentials(v, depth + 1);
      if (r !== v) changed = true;
      return r;
    });
    return changed ? out : value;
  }
  if (value instanceof Error) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const r =
      CREDENTIAL_KEYS.test(k) && v !== undefined && v !== null ? REDACTED : redactCredentials(v, depth + 1);
    if (r !== v) {
      out ??= { ...(value as Record<string, unknown>) };
      out[k] = r;
    }
  }
  return out ?? value;
}

export function createLogger(options: LoggerOptions): Logger {
  const entries = options.loggers.length
    ? options.loggers
    : [{ type: "console" as const, level: options.defaultConsoleLevel ?? "info" }];
  const streams: StreamEntry[] = entries.map((entry, i) => {
    if (entry.type === "file") return { level: pinoLevel(entry.level), stream: fileStream(entry.path, i) };
    const level = pinoLevel(options.consoleLevelOverride ?? entry.level);
    return { level, stream: consoleStream(options.consoleStream) };
  });
  // Lines are JSON: a secret with quotes, backslashes or control characters appears
  // escaped, so mask that form too. Longest first, so no part of a longer one survives.
  const secrets = [
    ...new Set((options.secrets ?? []).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])),
  ].sort((a, b) => b.length - a.length);
  const minLevel = streams.reduce(
    (min, s) => (pino.levels.values[s.level as Level] < pino.levels.values[min] ? (s.level as Level) : min),
    "fatal" as Level,
  );
  return pino(
    {
      level: minLevel,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactCredentials(object) as Record<string, unknown>,
      },
      ...(secrets.length
        ? {
            hooks: {
              streamWrite(line: string) {
                let out = line;
                for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
                return out;
              },
            },
          }
        : {}),
    },
    pino.multistream(streams, { dedupe: false }),
  );
}

/** A log file (its directories created); a path that cannot be opened is a configuration error. */
function fileStream(file: string, index: number): pino.DestinationStream {
  try {
    return pino.destination({ dest: file, mkdir: true, sync: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`cannot open log file ${file}: ${reason}`, undefined, ["logger", index, "path"]);
  }
}

function consoleStream(target?: NodeJS.WritableStream): pino.DestinationStream {
  const dest = target ?? process.stderr;
  const isTty = !target && Boolean(process.stderr.isTTY);
  if (!isTty)
    return (target as pino.DestinationStream | undefined) ?? pino.destination({ dest: 2, sync: true });
  // Loaded only on a terminal: keeps JSON-only starts (CI, `run`) light.
  const require = createRequire(import.meta.url);
  const pretty = require("pino-pretty") as (o: object) => pino.DestinationStream;
  return pretty({
    colorize: true,
    sync: true,
    destination: dest,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
  });
}

/** A logger that drops everything (for embedding and tests). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
