/**
 * Everything that crosses between the controller's thread and a worker thread
 * (`threaded: true`): the pool task and its reply, and the messages on the MessagePort
 * each run gets. One module, so both sides agree on the shapes at compile time.
 */
import type { MessagePort } from "node:worker_threads";
import type { LoadOptions } from "../compose/load.ts";
import type { RunEvent } from "../workflow/events.ts";
import type { JobState } from "../workflow/run-state.ts";

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

/** A task of the tinypool pool. */
export interface WorkerTask {
  /** Absent for a warm-up task, which only loads the project. */
  request?: RunRequest;
  /** The run's port (transferred); absent for a warm-up task. */
  port?: MessagePort;
}

export type WorkerReply =
  | { ok: true; output: unknown; jobs: JobState[] }
  | { ok: false; cancelled: boolean; error: string };

/** Worker -> controller, on a run's port. */
export type WorkerMessage =
  /**
   * The run's events, in order (the last one is run.finished), those of one turn of the
   * worker's event loop in one message: a message per event was most of what a
   * threaded run cost the main thread.
   */
  | { type: "events"; events: RunEvent[] }
  /** Asks for a slot of a component's `max_concurrent_count` (held across all threads). */
  | { type: "gate-acquire"; id: number; component: string }
  | { type: "gate-release"; id: number; component: string };

/** Controller -> worker, on a run's port. */
export type ControllerMessage =
  | { type: "cancel" }
  | { type: "gate-granted"; id: number }
  | { type: "gate-denied"; id: number };

/** A run's port seen from one side: what it sends and what it receives, typed. */
export interface TypedPort<Out, In> {
  post(message: Out): void;
  on(listener: (message: In) => void): () => void;
  close(): void;
}

export function typedPort<Out, In>(port: MessagePort): TypedPort<Out, In> {
  return {
    post: (message) => port.postMessage(message),
    on(listener) {
      const handler = (m: In) => listener(m);
      port.on("message", handler);
      return () => port.off("message", handler);
    },
    close: () => port.close(),
  };
}
