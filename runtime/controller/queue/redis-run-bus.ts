/**
 * The run bus across processes: what a worker publishes about a run (engine events,
 * and cancel requests from any controller) reaches every controller and worker of the
 * queue over one Redis pub/sub channel, and local subscribers get it as from the local
 * bus. `task.settled` stays in its process: it means "the final state is in this
 * process's store", and each process says so only after writing its own store (a
 * controller does when the queue reports the run finished).
 */
import type { QueueConfig } from "../../compose/queue-schema.ts";
import type { Logger } from "../../log.ts";
import { type BusListener, type BusMessage, LocalRunBus, type RunBus } from "../run-bus.ts";
import type { Redis } from "./redis.ts";

interface Envelope {
  /** The publishing process, so it does not deliver its own message twice. */
  from: string;
  message: BusMessage;
}

export function busChannelOf(config: QueueConfig): string {
  return `${config.prefix}:${config.name}:bus`;
}

export class RedisRunBus implements RunBus {
  private readonly local = new LocalRunBus();
  private readonly origin = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  private readonly channel: string;

  /** `publisher` is a normal connection; `subscriber` becomes a subscriber-mode one. */
  constructor(
    config: QueueConfig,
    private readonly publisher: Redis,
    subscriber: Redis,
    private readonly logger: Logger,
  ) {
    this.channel = busChannelOf(config);
    subscriber.on("message", (channel: string, text: string) => {
      if (channel !== this.channel) return;
      let envelope: Envelope;
      try {
        envelope = JSON.parse(text) as Envelope;
      } catch {
        return;
      }
      if (envelope.from === this.origin || !envelope.message?.run_id) return;
      this.local.publish(envelope.message);
    });
    // Subscribed again by ioredis after each reconnect.
    subscriber.subscribe(this.channel).catch(() => {});
  }

  publish<M extends BusMessage>(message: M): void {
    this.local.publish(message);
    if (message.type === "task.settled") return;
    const envelope: Envelope = { from: this.origin, message };
    this.publisher.publish(this.channel, JSON.stringify(envelope)).catch((error: Error) => {
      this.logger.debug({ err: error.message, type: message.type }, "run bus: not published");
    });
  }

  subscribe(runId: string, listener: BusListener): () => void {
    return this.local.subscribe(runId, listener);
  }

  async close(): Promise<void> {
    await this.local.close();
  }
}
