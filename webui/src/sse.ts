/**
 * A run's event stream over fetch (EventSource cannot send the Bearer header): parses
 * SSE frames, and on a dropped connection comes back with Last-Event-ID, so nothing is
 * lost or seen twice. Stops after run.finished.
 */
import { BASE, headers } from "./api.ts";
import type { RunEvent } from "./run-state.ts";

export interface Follow {
  stop(): void;
}

export function followRun(
  taskId: string,
  onEvent: (event: RunEvent) => void,
  onProblem: (message: string | null) => void,
): Follow {
  const abort = new AbortController();
  let last = 0;
  let finished = false;
  let retryMs = 500;

  const connect = async (): Promise<void> => {
    const response = await fetch(`${BASE}/tasks/${encodeURIComponent(taskId)}/events`, {
      headers: headers(
        last
          ? { "Last-Event-ID": String(last), Accept: "text/event-stream" }
          : { Accept: "text/event-stream" },
      ),
      signal: abort.signal,
    });
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => null)) as { error?: string } | null;
      throw Object.assign(new Error(body?.error ?? `${response.status} ${response.statusText}`), {
        final: response.status >= 400 && response.status < 500,
      });
    }
    onProblem(null);
    retryMs = 500;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let data = "";
        let id: string | undefined;
        for (const line of block.split("\n")) {
          if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(5).trimStart();
          else if (line.startsWith("id:")) id = line.slice(3).trim();
        }
        if (!data) continue;
        const event = JSON.parse(data) as RunEvent;
        if (id) last = Number(id);
        onEvent(event);
        if (event.type === "run.finished") finished = true;
      }
    }
  };

  (async () => {
    while (!finished && !abort.signal.aborted) {
      try {
        await connect();
      } catch (error) {
        if (abort.signal.aborted) return;
        if ((error as { final?: boolean }).final) {
          onProblem((error as Error).message);
          return;
        }
      }
      if (finished || abort.signal.aborted) return;
      onProblem("connection lost; reconnecting…");
      await new Promise((r) => setTimeout(r, retryMs));
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  })();

  return { stop: () => abort.abort() };
}
