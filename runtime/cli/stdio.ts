/**
 * Whole-text writes to stdout and stderr through their file descriptors.
 *
 * `process.stdout` and `process.stderr` are built on first use and pull in Node's
 * stream machinery, which costs a `run` more start-up time than the rest of its work;
 * a command that prints one result needs none of it. Writes are synchronous and
 * complete, so nothing is lost when the process exits right after.
 */
import { writeSync } from "node:fs";

const RETRY_WAIT = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The reader has gone (`| head`): there is no one left to tell.
      if (code === "EPIPE") return;
      // A non-blocking pipe that is full: wait a moment for the reader and go on.
      if (code !== "EAGAIN") throw error;
      Atomics.wait(RETRY_WAIT, 0, 0, 5);
    }
  }
}

export function writeStdout(text: string): void {
  writeAll(1, text);
}

export function writeStderr(text: string): void {
  writeAll(2, text);
}
