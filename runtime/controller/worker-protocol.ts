/**
 * Everything that crosses between the controller's thread and a worker thread
 * (`threaded: true`). Each worker has one MessagePort for its whole life, the lane,
 * given to it once in the pool task that keeps it busy. Every run the worker executes
 * shares that port: runs in, their events, replies and component gate requests out,
 * each message naming its run. A side sends what it has to say in one turn of its
 * event loop as one batch (an array), so under load a message carries many runs'
 * worth and the other thread is woken once for all of them. One module, so both sides
 * agree on the shapes at compile time.
 */
import type { MessagePort } from "node:worker_threads";
import type { LoadOptions } from "../compose/load.ts";
import type { RunEvent } from "../workflow/events.ts";

/** A run to execute in a worker. */
export interface RunRequest {
  runId: string;
  workflowId: string;
  input: unknown;
}

/** What a worker needs to load the project: the files, and the environment already merged. */
export type WorkerLoad = Omit<LoadOptions, "registry" | "workerEntry"> & { env: Record<string, string> };

/** What a worker thread loads, once: the pool's `workerData`. */
export interface WorkerSetup {
  load: WorkerLoad;
  consoleLevel?: string;
}

/**
 * The pool task a worker runs for as long as it lives: it loads the project, then
 * serves the runs that come on `port` until the controller sends `close`.
 */
export interface WorkerTask {
  port: MessagePort;
}

/**
 * How a run ended. A completed run's output and job states are those of its last event
 * (run.finished), which comes first on the same lane: sent once, not twice.
 */
export type WorkerReply = { ok: true } | { ok: false; cancelled: boolean; error: string };

/** Worker -> controller. */
export type WorkerMessage =
  /** A run's event, in the run's order; the reply comes after its last one (run.finished). */
  | { type: "event"; event: RunEvent }
  | { type: "reply"; runId: string; reply: WorkerReply }
  /** Asks for a slot of a component's `max_concurrent_count` (held across all threads). */
  | { type: "gate-acquire"; runId: string; id: number; component: string }
  | { type: "gate-release"; runId: string; id: number };

/** Controller -> worker. */
export type ControllerMessage =
  | { type: "run"; request: RunRequest }
  | { type: "cancel"; runId: string }
  | { type: "gate-granted"; id: number }
  | { type: "gate-denied"; id: number }
  /** No more runs: the worker's pool task ends (the pool then stops the thread). */
  | { type: "close" };

/**
 * One side of a lane: `send` queues a message, and the messages of one turn go as one
 * batch; `on` receives each message of every batch, in order.
 */
export class LanePort<Out, In> {
  private outbox: Out[] = [];
  private scheduled = false;
  private closed = false;

  constructor(private readonly port: MessagePort) {}

  /** Queues `message`; after `close`, it is dropped. */
  send(message: Out): void {
    if (this.closed) return;
    this.outbox.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends what is queued now (the batch would otherwise go at the end of the turn). */
  flush(): void {
    this.scheduled = false;
    if (this.closed || this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    this.port.postMessage(batch);
  }

  on(listener: (message: In) => void): void {
    this.port.on("message", (batch: In[]) => {
      for (const message of batch) listener(message);
    });
  }

  /** Sends what is queued, then closes the port. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.port.close();
  }
}
