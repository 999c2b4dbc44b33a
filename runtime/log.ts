/**
 * Logging through pino, set up from the compose file's `logger:` section: one stream
 * per entry, each with its own level. No worker-thread transports (they do not work
 * inside a compiled binary): files use pino.destination, the console writes to stderr
 * (stdout carries `run` output), pretty on a terminal and JSON otherwise.
 * Secrets never reach a stream: Authorization headers are redacted wherever they sit,
 * and values of secret-looking environment variables are masked in every line.
 */
import { createRequire } from "node:module";
import type { DestinationStream, Level, Logger, StreamEntry } from "pino";
import type { LoggerConfig } from "./compose/schema.ts";
import { ConfigError } from "./errors.ts";
import { lazyLogger } from "./lazy-logger.ts";

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

/** pino's levels, lowest first (fixed by pino), for picking the lowest without loading it. */
const LEVEL_ORDER: readonly Level[] = ["trace", "debug", "info", "warn", "error", "fatal"];

/**
 * pino itself, loaded on first use (synchronously: logging calls are synchronous).
 * A literal `require("pino")` where the host has one, so the bundler of the compiled
 * binary sees it; `createRequire` elsewhere (Deno).
 */
function loadPino(): typeof import("pino") {
  return typeof require === "function" ? require("pino") : createRequire(import.meta.url)("pino");
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

/**
 * The logger the `logger:` section describes. Log files are opened now (a path that
 * cannot be opened is a configuration error before anything runs); with only console
 * entries, pino is loaded when the first line passes their levels.
 */
export function createLogger(options: LoggerOptions): Logger {
  const entries = options.loggers.length
    ? options.loggers
    : [{ type: "console" as const, level: options.defaultConsoleLevel ?? "info" }];
  const levels = entries.map((entry) =>
    pinoLevel(entry.type === "console" ? (options.consoleLevelOverride ?? entry.level) : entry.level),
  );
  const minLevel = LEVEL_ORDER.find((l) => levels.includes(l)) ?? "fatal";
  const files = new Map(
    entries.flatMap((entry, i) => (entry.type === "file" ? [[i, fileStream(entry.path, i)] as const] : [])),
  );
  const make = () =>
    buildLogger(
      entries.map((_entry, i) => ({
        level: levels[i],
        stream: files.get(i) ?? consoleStream(options.consoleStream),
      })),
      minLevel,
      options.secrets ?? [],
    );
  return files.size > 0 ? make() : lazyLogger(minLevel, make);
}

function buildLogger(streams: StreamEntry[], minLevel: Level, secretValues: readonly string[]): Logger {
  const pino = loadPino();
  // Lines are JSON: a secret with quotes, backslashes or control characters appears
  // escaped, so mask that form too. Longest first, so no part of a longer one survives.
  const secrets = [...new Set(secretValues.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))].sort(
    (a, b) => b.length - a.length,
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
function fileStream(file: string, index: number): DestinationStream {
  try {
    return loadPino().destination({ dest: file, mkdir: true, sync: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`cannot open log file ${file}: ${reason}`, undefined, ["logger", index, "path"]);
  }
}

function consoleStream(target?: NodeJS.WritableStream): DestinationStream {
  if (target) return target as DestinationStream;
  if (!process.stderr.isTTY) return loadPino().destination({ dest: 2, sync: true });
  const pretty = createRequire(import.meta.url)("pino-pretty") as (o: object) => DestinationStream;
  return pretty({
    colorize: true,
    sync: true,
    destination: process.stderr,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
  });
}

/** A logger that drops everything (for embedding and tests). */
export function silentLogger(): Logger {
  return lazyLogger("silent", () => loadPino()({ level: "silent" }));
}
