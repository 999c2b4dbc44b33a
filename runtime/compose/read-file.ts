/**
 * The text of one compose or env file, read only if it is a regular file of bounded size:
 * `-f /dev/zero` or `/dev/urandom` would grow without end, and opening a FIFO waits
 * for a writer that may never come.
 */
import { closeSync, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";
import { ConfigError } from "../errors.ts";
import { LOAD_LIMITS } from "./load-limits.ts";

const article = (word: string) => (/^[aeiou]/.test(word) ? "an" : "a");

function kindOfFile(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

export function readComposeText(file: string, maxBytes: number): string {
  return readBoundedText(file, "compose file", maxBytes);
}

/** `label`: the file as the user named it (`.env`, the `--env-file` argument). */
export function readEnvText(file: string, label: string, maxBytes: number): string {
  return readBoundedText(file, "env file", maxBytes, label);
}

/** `kind` names the file in errors: "compose file" or "env file". */
function readBoundedText(file: string, kind: string, maxBytes: number, label = file): string {
  const tooLarge = (size: string) =>
    new ConfigError(
      `${kind} ${label} is ${size}, over the limit of ${maxBytes} bytes (${LOAD_LIMITS.maxFileBytes.env})`,
    );
  const cannotRead = (error: unknown) =>
    new ConfigError(`cannot read ${kind} ${label}: ${(error as Error).message}`);
  let stats: Stats;
  try {
    // stat before open: opening a FIFO for reading blocks until a writer opens it.
    stats = statSync(file);
  } catch (error) {
    throw cannotRead(error);
  }
  const notRegular = (s: Stats) =>
    new ConfigError(`${kind} ${label} is ${kindOfFile(s)}; ${article(kind)} ${kind} must be a regular file`);
  if (!stats.isFile()) throw notRegular(stats);
  if (stats.size > maxBytes) throw tooLarge(`${stats.size} bytes`);
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    throw cannotRead(error);
  }
  try {
    // Checked again on the open file: the path may have been replaced in between.
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw notRegular(opened);
    // One byte more than the limit, so a file that grew since is noticed, not cut.
    const buffer = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(opened.size, 0)) + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) throw tooLarge(`more than ${maxBytes} bytes`);
    if (length === buffer.length) {
      // The file grew after fstat but is still within the limit: read the rest in steps.
      return readRest(fd, buffer, maxBytes, tooLarge);
    }
    return buffer.toString("utf8", 0, length);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw cannotRead(error);
  } finally {
    closeSync(fd);
  }
}

function readRest(fd: number, start: Buffer, maxBytes: number, tooLarge: (size: string) => Error): string {
  const chunks = [start];
  let total = start.length;
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw tooLarge(`more than ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString("utf8");
}
