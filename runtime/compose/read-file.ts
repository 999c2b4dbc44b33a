/**
 * The text of one compose file, read only if it is a regular file of bounded size:
 * `-f /dev/zero` or `/dev/urandom` would grow without end, and opening a FIFO waits
 * for a writer that may never come.
 */
import { closeSync, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";
import { ConfigError } from "../errors.ts";
import { LOAD_LIMITS } from "./load-limits.ts";

function kindOfFile(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function tooLarge(file: string, size: string, maxBytes: number): ConfigError {
  return new ConfigError(
    `compose file ${file} is ${size}, over the limit of ${maxBytes} bytes (${LOAD_LIMITS.maxFileBytes.env})`,
  );
}

export function readComposeText(file: string, maxBytes: number): string {
  const cannotRead = (error: unknown) =>
    new ConfigError(`cannot read compose file ${file}: ${(error as Error).message}`);
  let stats: Stats;
  try {
    // stat before open: opening a FIFO for reading blocks until a writer opens it.
    stats = statSync(file);
  } catch (error) {
    throw cannotRead(error);
  }
  const notRegular = (s: Stats) =>
    new ConfigError(`compose file ${file} is ${kindOfFile(s)}; a compose file must be a regular file`);
  if (!stats.isFile()) throw notRegular(stats);
  if (stats.size > maxBytes) throw tooLarge(file, `${stats.size} bytes`, maxBytes);
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
    if (length > maxBytes) throw tooLarge(file, `more than ${maxBytes} bytes`, maxBytes);
    if (length === buffer.length) {
      // The file grew after fstat but is still within the limit: read the rest in steps.
      return readRest(fd, buffer, file, maxBytes);
    }
    return buffer.toString("utf8", 0, length);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw cannotRead(error);
  } finally {
    closeSync(fd);
  }
}

function readRest(fd: number, start: Buffer, file: string, maxBytes: number): string {
  const chunks = [start];
  let total = start.length;
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw tooLarge(file, `more than ${maxBytes} bytes`, maxBytes);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString("utf8");
}
