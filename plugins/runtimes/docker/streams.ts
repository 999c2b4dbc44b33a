/**
 * The daemon's streams, read: JSON-lines progress (pull, build), the files of a build
 * context, and the multiplexed log stream split into stdout and stderr lines.
 */
import { readdir } from "node:fs/promises";
import * as path from "node:path";

/** Receives short human-readable progress lines (layer status, build output). */
export type ProgressFn = (line: string) => void;

/** Receives one line of a container's output. */
export type LogLineFn = (line: string, stream: "stdout" | "stderr") => void;

/** Splits a Docker JSON-lines progress stream and hands each parsed message on. */
export function jsonLines(
  stream: NodeJS.ReadableStream,
  onMessage: (msg: Record<string, unknown>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    let failed = false;
    const handle = (line: string) => {
      if (!line.trim() || failed) return;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      try {
        onMessage(msg);
      } catch (error) {
        failed = true;
        (stream as { destroy?: () => void }).destroy?.();
        reject(error);
      }
    };
    stream.on("data", (chunk: Buffer | string) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) handle(line);
    });
    let ended = false;
    stream.on("end", () => {
      ended = true;
      handle(buffer);
      if (!failed) resolve();
    });
    stream.on("close", () => {
      if (ended || failed) return;
      failed = true;
      reject(new Error("the Docker daemon closed the connection before the operation finished"));
    });
    stream.on("error", (error: Error) => {
      if (!failed) reject(error);
      failed = true;
    });
  });
}

/** The error text of a progress message (`{error, errorDetail: {message}}`), if any. */
export function progressError(msg: Record<string, unknown>): string | undefined {
  const detail = msg.errorDetail as { message?: string } | undefined;
  if (detail?.message) return detail.message;
  if (typeof msg.error === "string") return msg.error;
  return undefined;
}

/** Lists a directory's files (and empty directories) recursively, relative, with `/`. */
export async function listContext(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true });
    if (entries.length === 0 && rel) out.push(rel);
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else out.push(child);
    }
  };
  await walk("");
  return out;
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into stdout/stderr lines. */
export class LogSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private partial: Record<"stdout" | "stderr", string> = { stdout: "", stderr: "" };

  constructor(
    private readonly tty: boolean,
    private readonly onLine: LogLineFn,
  ) {}

  push(chunk: Buffer): void {
    if (this.tty) {
      this.text("stdout", chunk.toString("utf8"));
      return;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const kind = this.pending[0] === 2 ? "stderr" : "stdout";
      this.text(kind, this.pending.subarray(8, 8 + size).toString("utf8"));
      this.pending = this.pending.subarray(8 + size);
    }
  }

  end(): void {
    for (const kind of ["stdout", "stderr"] as const) {
      if (this.partial[kind]) this.onLine(this.partial[kind], kind);
      this.partial[kind] = "";
    }
  }

  private text(kind: "stdout" | "stderr", text: string): void {
    const lines = (this.partial[kind] + text).split("\n");
    this.partial[kind] = lines.pop() ?? "";
    for (const line of lines) this.onLine(line.replace(/\r$/, ""), kind);
  }
}
