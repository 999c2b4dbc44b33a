/**
 * A Server-Sent Events reader for tests: parses `id:`, `event:`, `data:` frames (and
 * counts `:` comments) from a fetch response body as they arrive.
 */

export interface SseFrame {
  id?: string;
  event?: string;
  // biome-ignore lint/suspicious/noExplicitAny: event payloads are JSON that tests pick apart
  data: any;
}

export interface SseRead {
  frames: SseFrame[];
  comments: number;
  /** Whether the server ended the stream (as opposed to the reader stopping). */
  ended: boolean;
}

/** Reads frames until the stream ends or `stop(frame)` says so (then the body is cancelled). */
export async function readSse(response: Response, stop?: (frame: SseFrame) => boolean): Promise<SseRead> {
  if (!response.body) throw new Error(`no body (status ${response.status})`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const out: SseRead = { frames: [], comments: 0, ended: false };
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      out.ended = true;
      return out;
    }
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame: SseFrame = { data: undefined };
      const data: string[] = [];
      let comment = true;
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        comment = false;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") data.push(value);
        else if (field === "id") frame.id = value;
        else if (field === "event") frame.event = value;
      }
      if (comment) {
        out.comments++;
        continue;
      }
      frame.data = data.length ? JSON.parse(data.join("\n")) : undefined;
      out.frames.push(frame);
      if (stop?.(frame)) {
        await reader.cancel();
        return out;
      }
    }
  }
}
