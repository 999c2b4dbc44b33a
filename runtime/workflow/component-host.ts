/**
 * Live component instances of a project: created on first use, one per component
 * definition, each with the semaphore that enforces its `max_concurrent_count` across
 * every run that shares this host.
 */
import type { ComponentModel } from "../compose/model.ts";
import type { Logger } from "../log.ts";
import type { ComponentInstance } from "../plugins.ts";
import { Semaphore } from "./semaphore.ts";

/** Limits concurrent calls of one component; local, or held by another thread. */
export interface Gate {
  with<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface LiveComponent {
  instance: ComponentInstance;
  gate: Gate;
}

export class ComponentHost {
  private readonly live = new Map<ComponentModel, Promise<LiveComponent>>();

  constructor(
    private readonly projectDir: string,
    private readonly logger: Logger,
    /** Where gates come from; default: a local semaphore per component. */
    private readonly gateFor: (model: ComponentModel) => Gate = (model) => new Semaphore(model.maxConcurrent),
  ) {}

  get(model: ComponentModel): Promise<LiveComponent> {
    let entry = this.live.get(model);
    if (!entry) {
      entry = (async () => {
        const instance = model.plugin.create({
          id: model.id,
          projectDir: this.projectDir,
          logger: this.logger.child({ component: model.id }),
        }) as ComponentInstance;
        await instance.start?.();
        return { instance, gate: this.gateFor(model) };
      })();
      this.live.set(model, entry);
      entry.catch(() => this.live.delete(model));
    }
    return entry;
  }

  /** Stops every started instance. */
  async close(): Promise<void> {
    const all = [...this.live.values()];
    this.live.clear();
    await Promise.allSettled(all.map(async (p) => (await p).instance.stop?.()));
  }
}
