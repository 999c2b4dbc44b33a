/**
 * The controller's own lifecycle on this host, given to runtime plugins as
 * `context.local` (runtime/plugins.ts): foreground `up`, `up -d`, `down` and status over
 * the project's state files. A runtime such as `native` only decides when to call them.
 * Each part loads when first used, so creating this costs nothing.
 */
import type { Project } from "../compose/model.ts";
import type { LocalController } from "../plugins.ts";

export function localController(project: Project): LocalController {
  const { projectDir, controller } = project;
  return {
    async serve(options) {
      const [{ createLogger }, { secretValues }, { serveForeground }] = await Promise.all([
        import("../log.ts"),
        import("../compose/env.ts"),
        import("./foreground.ts"),
      ]);
      const logger = createLogger({
        loggers: project.loggers,
        defaultConsoleLevel: "info",
        consoleLevelOverride: options.verbose ? "debug" : undefined,
        secrets: secretValues(project.env),
      });
      for (const w of project.warnings) logger.warn(w);
      await serveForeground(project, logger, options.verbose ? "debug" : "info");
    },

    async startDetached(options) {
      const { startDetached } = await import("./detach.ts");
      const { pid, url, log } = await startDetached(projectDir, options.globalArgs);
      return { pid, api: `${url}${controller.base_path}`, log };
    },

    async stop() {
      const { stopRunning } = await import("./detach.ts");
      return (await stopRunning(projectDir, controller.shutdown_grace_period)) ?? {};
    },

    async status() {
      const { ProjectState, clientHost } = await import("./state.ts");
      const s = await new ProjectState(projectDir).running();
      return s ? { pid: s.pid, url: `http://${clientHost(s.host)}:${s.port}` } : undefined;
    },
  };
}
