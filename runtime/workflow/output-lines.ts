/**
 * Cuts a component's output stream (chunks of bytes or text, split anywhere, even inside
 * a UTF-8 character) into lines, for the `log` events of its job.
 */

/**
 * A longer line is sent in pieces of this many characters: one process printing
 * megabytes without a line break must not make one event of them.
 */
export const MAX_LINE_CHARS = 16 * 1024;

export class LineSplitter {
  /** Made at the first bytes: most calls print nothing, or text. */
  private decoder: TextDecoder | undefined;
  private pending = "";

  constructor(private readonly onLine: (text: string) => void) {}

  write(chunk: string | Uint8Array): void {
    if (typeof chunk !== "string") this.decoder ??= new TextDecoder("utf-8");
    const text = typeof chunk === "string" ? chunk : this.decoder!.decode(chunk, { stream: true });
    let start = 0;
    let data = this.pending + text;
    for (let nl = data.indexOf("\n", start); nl !== -1; nl = data.indexOf("\n", start)) {
      this.line(data.slice(start, nl));
      start = nl + 1;
    }
    data = data.slice(start);
    while (data.length > MAX_LINE_CHARS) {
      this.onLine(data.slice(0, MAX_LINE_CHARS));
      data = data.slice(MAX_LINE_CHARS);
    }
    this.pending = data;
  }

  /** Sends what is left (a last line without a line break). */
  end(): void {
    const rest = this.pending + (this.decoder?.decode() ?? "");
    this.pending = "";
    if (rest !== "") this.line(rest);
  }

  private line(raw: string): void {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    for (let i = 0; i < text.length; i += MAX_LINE_CHARS) this.onLine(text.slice(i, i + MAX_LINE_CHARS));
    if (text === "") this.onLine("");
  }
}
