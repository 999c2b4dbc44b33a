/**
 * One subscriber's Server-Sent Events stream of a run: the kept history after its
 * resume point, then each event as it happens, heartbeats while nothing happens, and
 * the end after run.finished. Each event is `id: SEQ`, `event: TYPE`, `data: JSON`.
 *
 * Memory per subscriber is bounded: the history is framed as it is written (its events
 * are the log's), new frames wait in a queue while the client is slow,
 * and a queue over `maxBufferedBytes` is thrown away for one last `stream.dropped`
 * event; the stream then ends (cut after `dropGraceMs` if the client does not even
 * read that). A client that comes back with Last-Event-ID gets the rest from the log.
 */
import { isFinalEvent, type RunEvent, type RunFinishedEvent } from "../workflow/events.ts";
import type { RunEventLog } from "./event-log.ts";

export interface StreamLimits {
  /** Frames a subscriber may have waiting before it is dropped. */
  maxBufferedBytes: number;
  /** A comment line this often while no event is sent, so proxies keep the connection. */
  heartbeatMs: number;
  /** How long a dropped subscriber has to read the event that says so. */
  dropGraceMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxBufferedBytes: 1024 * 1024,
  heartbeatMs: 15_000,
  dropGraceMs: 5_000,
};

/** Where the frames go: hono's SSE stream, or anything with the same three methods. */
export interface FrameSink {
  write(text: string): Promise<unknown>;
  close(): Promise<unknown>;
  abort(): void;
}

export function eventFrame(event: RunEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** A message of the stream itself (not of the run): no id, so resuming is unaffected. */
export function noticeFrame(type: string, fields: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
}

export interface StreamRunOptions {
  log: RunEventLog;
  runId: string;
  /** Last sequence number the client has (Last-Event-ID); 0 for all. */
  afterSeq: number;
  limits: StreamLimits;
  /**
   * The run's final event from its stored record when the run is over but its events
   * are not kept (a run from before a restart, evicted, or cancelled before it started).
   */
  settled: () => Promise<RunFinishedEvent | undefined>;
  /** Calls back when the run's final state is stored (so `settled` has it); returns the unsubscribe. */
  watchSettled?: (listener: () => void) => () => void;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** Streams one run to `sink`; settles when the stream has ended. */
export function streamRun(sink: FrameSink, o: StreamRunOptions): Promise<void> {
  return new Promise<void>((resolveDone) => {
    const queue: string[] = [];
    let queued = 0;
    let writing = false;
    /** No frame is accepted any more; the stream ends once the queue is written. */
    let ending = false;
    let done = false;
    let lastWrite = Date.now();
    let graceTimer: ReturnType<typeof setTimeout> | undefined;

    const finish = (abort: boolean) => {
      if (done) return;
      done = true;
      subscription.unsubscribe();
      stopWatching();
      clearInterval(heartbeat);
      clearTimeout(graceTimer);
      o.signal.removeEventListener("abort", onAbort);
      queue.length = 0;
      if (abort) sink.abort();
      Promise.resolve(abort ? undefined : sink.close()).finally(() => resolveDone());
    };

    /** The history, written before `queue`; its events are the log's own, framed as they go. */
    let replay: RunEvent[] = [];
    let replayed = 0;
    const pump = async () => {
      if (writing) return;
      writing = true;
      while ((replayed < replay.length || queue.length > 0) && !done) {
        let frame: string;
        if (replayed < replay.length) {
          frame = eventFrame(replay[replayed++]);
        } else {
          frame = queue.shift()!;
          queued -= frame.length;
        }
        await sink.write(frame);
        lastWrite = Date.now();
      }
      writing = false;
      if (ending && !done) finish(false);
    };

    const send = (frame: string, last = false) => {
      if (ending || done) return;
      if (last) ending = true;
      queue.push(frame);
      queued += frame.length;
      if (queued > o.limits.maxBufferedBytes && !last) {
        // Too slow: drop what waits, say so, and end.
        replay = [];
        queue.length = 0;
        queued = 0;
        ending = true;
        subscription.unsubscribe();
        const notice = noticeFrame("stream.dropped", {
          run_id: o.runId,
          reason: `the client read too slowly: more than ${o.limits.maxBufferedBytes} bytes of events waited for it`,
          limit: "max_buffered_bytes",
        });
        queue.push(notice);
        queued = notice.length;
        graceTimer = setTimeout(() => finish(true), o.limits.dropGraceMs);
      }
      void pump();
    };

    const onEvent = (event: RunEvent) => send(eventFrame(event), isFinalEvent(event));
    const onAbort = () => finish(true);
    o.signal.addEventListener("abort", onAbort, { once: true });

    const subscription = o.log.subscribe(o.runId, o.afterSeq, onEvent);
    if (subscription.missed > 0) {
      send(noticeFrame("stream.gap", { run_id: o.runId, missed: subscription.missed }));
    }
    replay = subscription.replay;
    if (subscription.finished) ending = true;
    void pump();

    const checkSettled = async () => {
      if (ending || done || o.log.has(o.runId) || subscription.replay.length > 0) return;
      const final = await o.settled();
      if (final && !ending && !done && !o.log.has(o.runId)) send(eventFrame(final), true);
    };
    const heartbeat = setInterval(() => {
      if (!writing && queue.length === 0 && Date.now() - lastWrite >= o.limits.heartbeatMs / 2) {
        send(": heartbeat\n\n");
      }
      void checkSettled();
    }, o.limits.heartbeatMs);
    const stopWatching = o.watchSettled?.(() => void checkSettled()) ?? (() => {});
    if (!subscription.finished) void checkSettled();
    if (o.signal.aborted) finish(true);
  });
}
