/**
 * The native runtime: the controller as a process on this host, in the foreground or
 * detached (`up -d`). The lifecycle itself is the core's (`context.local`); this says
 * what each command does with it and what the user reads.
 */
import type { LocalController, RuntimeCommandOptions, RuntimeInstance } from "../../../runtime/plugin-api.ts";

export class NativeRuntime implements RuntimeInstance {
  constructor(private readonly local: LocalController) {}

  async up(options: RuntimeCommandOptions): Promise<void> {
    if (options.forceRecreate) await this.down(); // a running controller makes way for the new one
    if (options.detach) return this.start(options);
    await this.local.serve(options);
  }

  async start(options: RuntimeCommandOptions): Promise<void> {
    const { pid, api, log } = await this.local.startDetached(options);
    process.stdout.write(`controller started (pid ${pid}) at ${api}; logs: ${log}\n`);
  }

  async down(options?: RuntimeCommandOptions): Promise<void> {
    // As `docker compose down -v` in a project with no volumes: nothing to remove, not an error.
    if (options?.volumes) {
      process.stdout.write(
        "the native runtime has no volumes; the state directory is kept (-v removes nothing)\n",
      );
    }
    const stopped = await this.local.stop();
    if (!("pid" in stopped)) {
      const stale = stopped.stale ? ` (its state file was stale: ${stopped.stale})` : "";
      process.stdout.write(`no controller is running for this project${stale}\n`);
      return;
    }
    process.stdout.write(
      `controller stopped (pid ${stopped.pid}${stopped.forced ? ", forced after the grace period" : ""})\n`,
    );
  }

  stop(): Promise<void> {
    return this.down();
  }

  async status(): Promise<string> {
    const s = await this.local.status();
    return s ? `running (pid ${s.pid}) at ${s.url}` : "not running";
  }
}
