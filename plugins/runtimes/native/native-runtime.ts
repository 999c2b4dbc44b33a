/**
 * The native runtime's lifecycle: the controller as a process on this host, in the
 * foreground, or detached (`up -d`) with its pid and log under `.model-compose/`.
 */

import { secretValues } from "../../../runtime/compose/env.ts";
import type { Project } from "../../../runtime/compose/model.ts";
import { startDetached, stopRunning } from "../../../runtime/controller/detach.ts";
import { serveForeground } from "../../../runtime/controller/foreground.ts";
import { ProjectState } from "../../../runtime/controller/state.ts";
import { createLogger } from "../../../runtime/log.ts";
import type { RuntimeCommandOptions, RuntimeInstance } from "../../../runtime/plugins.ts";

export class NativeRuntime implements RuntimeInstance {
  constructor(private readonly project: Project) {}

  async up(options: RuntimeCommandOptions): Promise<void> {
    if (options.forceRecreate) await this.down(); // a running controller makes way for the new one
    if (options.detach) return this.start(options);
    const consoleLevel = options.verbose ? "debug" : "info";
    const logger = createLogger({
      loggers: this.project.loggers,
      defaultConsoleLevel: "info",
      consoleLevelOverride: options.verbose ? "debug" : undefined,
      secrets: secretValues(this.project.env),
    });
    for (const w of this.project.warnings) logger.warn(w);
    await serveForeground(this.project, logger, consoleLevel);
  }

  async start(options: RuntimeCommandOptions): Promise<void> {
    const { pid, url, log } = await startDetached(this.project.projectDir, options.globalArgs);
    process.stdout.write(
      `controller started (pid ${pid}) at ${url}${this.project.controller.base_path}; logs: ${log}\n`,
    );
  }

  async down(): Promise<void> {
    const stopped = await stopRunning(this.project.projectDir, this.project.controller.shutdown_grace_period);
    if (!stopped) {
      process.stdout.write("no controller is running for this project\n");
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
    const s = new ProjectState(this.project.projectDir).running();
    return s ? `running (pid ${s.pid}) at http://${s.host}:${s.port}` : "not running";
  }
}
