/**
 * One output stream of a command, kept up to its budget (`max_stdout_size`,
 * `max_stderr_size`). What comes after is counted and dropped, so a command that writes
 * without end holds bounded memory, and a flood on one stream hides nothing of the other.
 */
export class Capture {
  private readonly chunks: Uint8Array[] = [];
  private kept = 0;
  /** Bytes the command wrote to the stream, kept or not. */
  total = 0;

  constructor(
    readonly stream: "stdout" | "stderr",
    readonly limit: number,
    /** The option that sets `limit`, for the marker. */
    readonly option: string,
  ) {}

  add(chunk: Uint8Array): void {
    this.total += chunk.length;
    const room = this.limit - this.kept;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(part);
    this.kept += part.length;
  }

  get truncated(): boolean {
    return this.total > this.limit;
  }

  /** The kept text; when cut, a last line says how much was written and which limit cut it. */
  text(): string {
    const text = Buffer.concat(this.chunks).toString("utf8");
    if (!this.truncated) return text;
    return `${text}\n[${this.stream} truncated: ${this.total} bytes written, the first ${this.limit} kept (${this.option})]`;
  }
}
