/** Every source a binding path can start with. Which are allowed depends on where the template sits. */
export const SOURCES = [
  "input",
  "env",
  "jobs",
  "output",
  "response",
  "status",
  "headers",
  "stdout",
  "stderr",
  "exit_code",
  "result",
  "context",
] as const;

export type SourceName = (typeof SOURCES)[number];
