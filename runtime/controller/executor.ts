/**
 * How a run is executed: in this thread (sharing component instances and their
 * concurrency gates), or in a worker thread (threaded.ts). The run manager does not
 * care which.
 */
import type { Project } from "../compose/model.ts";
import type { Logger } from "../log.ts";
import { ComponentHost } from "../workflow/component-host.ts";
import type { RunEventListener } from "../workflow/events.ts";
import type { JobState } from "../workflow/run-state.ts";
import { runWorkflow } from "../workflow/run-workflow.ts";
import type { RunRequest } from "./worker-protocol.ts";

export type { RunRequest } from "./worker-protocol.ts";

export interface RunOutcome {
  output: unknown;
  jobs: JobState[];
}

export interface RunExecutor {
  execute(request: RunRequest, signal: AbortSignal, onEvent: RunEventListener): Promise<RunOutcome>;
  close(): Promise<void>;
}

/**
 * The executor `controller.threaded` asks for: a pool of worker threads (its module
 * loaded only then) or this thread.
 */
export async function createExecutor(
  project: Project,
  logger: Logger,
  consoleLevel = "info",
): Promise<RunExecutor> {
  if (!project.controller.threaded) return new InProcessExecutor(project, logger);
  const { ThreadedExecutor } = await import("./threaded.ts");
  return new ThreadedExecutor(project, consoleLevel);
}

export class InProcessExecutor implements RunExecutor {
  private readonly host: ComponentHost;

  constructor(
    private readonly project: Project,
    private readonly logger: Logger,
  ) {
    this.host = new ComponentHost(project.projectDir, logger);
  }

  async execute(request: RunRequest, signal: AbortSignal, onEvent: RunEventListener): Promise<RunOutcome> {
    const result = await runWorkflow(this.project, request.workflowId, request.input, {
      runId: request.runId,
      signal,
      onEvent,
      logger: this.logger,
      host: this.host,
    });
    return { output: result.output, jobs: result.jobs };
  }

  close(): Promise<void> {
    return this.host.close();
  }
}
