/**
 * `up` in the foreground: serve until SIGINT/SIGTERM or until `.stop` appears (polled
 * every second), then shut down gracefully: health turns 503, running runs get the
 * grace period, the rest are cancelled, state files are removed, exit code 0.
 */
import type { Project } from "../compose/model.ts";
import type { Logger } from "../log.ts";
import { processStartTime } from "./process-identity.ts";
import { startController } from "./server.ts";
import { ProjectState } from "./state.ts";

export async function serveForeground(project: Project, logger: Logger, consoleLevel: string): Promise<void> {
  const state = new ProjectState(project.projectDir);
  await state.refuseIfRunning(process.pid);
  // A `.stop` left by a crash must not stop the new controller at once.
  state.clearStop();
  const controller = await startController(project, { logger, consoleLevel });
  try {
    state.write({
      pid: process.pid,
      // What `down` checks before it signals this pid (process-identity.ts).
      pid_start: processStartTime(process.pid),
      instance_id: controller.instanceId,
      host: controller.host,
      port: controller.port,
      base_path: project.controller.base_path,
      started_at: new Date().toISOString(),
      log: process.env.MODEL_COMPOSE_LOG_FILE,
    });
  } catch (error) {
    // A read-only project (e.g. mounted into a container) still serves; signals stop it.
    logger.warn(
      { err: (error as Error).message },
      "cannot record the controller's state; `down` will not find it",
    );
  }
  logger.info(
    { url: controller.url, base_path: project.controller.base_path, threaded: project.controller.threaded },
    `controller listening on ${controller.url}`,
  );

  await new Promise<void>((resolve) => {
    let reason: string | undefined;
    const stop = (why: string) => {
      if (reason) {
        // A second Ctrl+C: no more waiting for runs. (shutdown(0) would only return the
        // drain already under way, with its full grace period.)
        if (why !== "stop file") {
          logger.warn({ reason: why }, "stopping now; cancelling running runs");
          void controller.manager.cancelAll(`controller stopped by a second ${why}`);
        }
        return;
      }
      reason = why;
      clearInterval(poll);
      logger.info({ reason: why }, "shutting down");
      controller.shutdown().then(resolve);
    };
    const poll = setInterval(() => {
      if (state.stopRequested()) stop("stop file");
    }, 1000);
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
  state.clearStop();
  state.clear(process.pid);
  logger.info("controller stopped");
}
