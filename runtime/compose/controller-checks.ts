/**
 * Checks of the controller section that need more than its own schema: a
 * queue-subscriber needs a queue, and the workflows it takes must exist.
 */
import { ConfigError, closest } from "../errors.ts";
import { locatePath } from "./locations.ts";
import type { ControllerConfig } from "./schema.ts";

export function checkController(
  controller: ControllerConfig,
  raw: unknown,
  workflowIds: readonly string[],
): ConfigError[] {
  const errors: ConfigError[] = [];
  const fail = (reason: string, ...path: (string | number)[]) => {
    const keyPath = ["controller", ...path];
    errors.push(new ConfigError(reason, locatePath(raw, keyPath), keyPath));
  };
  if (controller.type === "queue-subscriber" && !controller.queue) {
    fail(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the advice shows compose-file text
      "a queue-subscriber takes runs from a queue: add controller.queue: { driver: redis, url: ${env.REDIS_URL} }",
      "type",
    );
  }
  if (controller.workflows && controller.type !== "queue-subscriber") {
    fail(
      `controller.workflows chooses what a queue-subscriber takes from the queue; this controller is "${controller.type}"`,
      "workflows",
    );
  } else if (controller.workflows) {
    for (const [i, id] of controller.workflows.entries()) {
      if (workflowIds.includes(id)) continue;
      const hint = closest(id, workflowIds);
      fail(
        `unknown workflow "${id}"${hint ? `; did you mean "${hint}"?` : ""} (workflows: ${workflowIds.join(", ") || "none"})`,
        "workflows",
        i,
      );
    }
  }
  return errors;
}
