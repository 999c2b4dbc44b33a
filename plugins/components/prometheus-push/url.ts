/** The Pushgateway URL of a grouping key: `/metrics/job/<job>{/<label>/<value>}`. */
import { labelNameProblem } from "./exposition.ts";

/**
 * One `<label>/<value>` pair of the path. A value that is empty or contains `/` uses
 * the base64url form `<label>@base64/<value>` (empty: `=`); others are percent-encoded.
 */
export function pathPair(label: string, value: string): string {
  if (value === "") return `${label}@base64/=`;
  if (value.includes("/")) return `${label}@base64/${Buffer.from(value, "utf8").toString("base64url")}`;
  return `${label}/${encodeURIComponent(value)}`;
}

/**
 * The URL to push to, from the gateway's base URL, the job name and the grouping
 * labels. Label names are checked; `job` cannot be a grouping label.
 *
 * @example
 * ```ts
 * pushUrl("http://127.0.0.1:9091", "nightly", { instance: "a/b" });
 * // "http://127.0.0.1:9091/metrics/job/nightly/instance@base64/YS9i"
 * ```
 */
export function pushUrl(base: string, job: string, grouping: Record<string, string> = {}): string {
  if (job === "") throw new Error("`job` must not be empty");
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new Error(
      `\`url\` is not a valid URL: ${JSON.stringify(base)} (expected e.g. http://127.0.0.1:9091)`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`\`url\` must be http:// or https://, found ${JSON.stringify(base)}`);
  }
  const parts = [pathPair("job", job)];
  for (const [label, value] of Object.entries(grouping)) {
    const problem = labelNameProblem(label);
    if (problem) throw new Error(`grouping: ${problem}`);
    if (label === "job")
      throw new Error("grouping: `job` is set by the `job` field, not as a grouping label");
    parts.push(pathPair(label, value));
  }
  const prefix = base
    .trim()
    .replace(/[?#].*$/, "")
    .replace(/\/+$/, "");
  return `${prefix}/metrics/${parts.join("/")}`;
}
