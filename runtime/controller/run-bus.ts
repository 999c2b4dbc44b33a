/**
 * The run bus: how the parts of a controller hear about runs without sharing memory.
 * Execution publishes what happens to a run; `wait_for_completion`, cancel (and the
 * event stream) subscribe. The local bus is in-process; a Redis-backed one can replace
 * it so a run executing on another machine still reaches its waiters. Messages are
 * plain JSON values for that reason.
 *
 * Control messages:
 * - `cancel.requested`: someone asked to cancel a run; whoever executes it aborts it.
 * - `task.settled`: the run's final state is in the store (read it from there, or take
 *   the record the message carries).
 * Engine events (runtime/workflow/events.ts) travel on the same bus, by run id.
 */
import type { TaskRecord, TaskStatus } from "../store/task-record.ts";

export interface CancelRequested {
  type: "cancel.requested";
  run_id: string;
  reason: string;
}

export interface TaskSettled {
  type: "task.settled";
  run_id: string;
  status: TaskStatus;
  /**
   * The final record as written, when the publisher has it: a waiter in this process
   * need not read it back. `task.settled` never leaves its process (redis-run-bus.ts).
   */
  record?: TaskRecord;
}

export type ControlMessage = CancelRequested | TaskSettled;

/** Anything on the bus: control messages and engine events, each naming its run. */
export interface BusMessage {
  type: string;
  run_id: string;
}

export type BusListener = (message: BusMessage) => void;

export interface RunBus {
  /** Delivers to every subscriber of the message's run and to every `"*"` subscriber. */
  publish<M extends BusMessage>(message: M): void;
  /** Listens to one run's messages, or to all with `"*"`; returns the unsubscribe. */
  subscribe(runId: string, listener: BusListener): () => void;
  close(): Promise<void>;
}

/**
 * The in-process bus. A listener that throws does not stop the others.
 *
 * Each run's listeners are kept as an array that is replaced, never changed, when one
 * subscribes or unsubscribes: a message goes to the listeners as they were when it came
 * (one may unsubscribe or add another meanwhile, and a listener added now waits for the
 * next message) without copying them for every message, as spreading a Set did six
 * times a run.
 */
export class LocalRunBus implements RunBus {
  private readonly listeners = new Map<string, readonly BusListener[]>();

  publish<M extends BusMessage>(message: M): void {
    deliver(this.listeners.get(message.run_id), message);
    deliver(this.listeners.get("*"), message);
  }

  subscribe(runId: string, listener: BusListener): () => void {
    const held = this.listeners.get(runId) ?? [];
    // As a set: a listener subscribed again is held once.
    if (!held.includes(listener)) this.listeners.set(runId, [...held, listener]);
    return () => {
      const list = this.listeners.get(runId);
      if (list === undefined || !list.includes(listener)) return;
      if (list.length === 1) this.listeners.delete(runId);
      else
        this.listeners.set(
          runId,
          list.filter((l) => l !== listener),
        );
    };
  }

  /** Subscriptions held now (for tests: nothing leaks per run). */
  get size(): number {
    let n = 0;
    for (const list of this.listeners.values()) n += list.length;
    return n;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

function deliver(list: readonly BusListener[] | undefined, message: BusMessage): void {
  if (list === undefined) return;
  for (const listener of list) {
    try {
      listener(message);
    } catch {}
  }
}

export function isControl(message: BusMessage): message is ControlMessage {
  return message.type === "cancel.requested" || message.type === "task.settled";
}
