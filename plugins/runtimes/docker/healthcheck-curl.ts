/**
 * Docker users write healthchecks with curl. The default image has Debian's curl, but
 * a base whose packages could not be fetched when it was built (offline, a base
 * without apt) has none, and neither may an image of the user's own. `up` looks for
 * curl in the image when the healthcheck needs it and warns, naming the healthcheck
 * and what needs nothing in the image: `["CMD", "model-compose", "health"]`.
 */

/** True when the healthcheck's test runs curl (`["CMD", "curl", ...]` or a shell command). */
export function usesCurl(test: string | readonly string[] | undefined): boolean {
  if (test === undefined) return false;
  if (typeof test !== "string" && test[0] === "CMD") return /(?:^|\/)curl$/.test(test[1] ?? "");
  const command = typeof test === "string" ? test : test[0] === "CMD-SHELL" ? (test[1] ?? "") : "";
  return /(?:^|[\s;&|(`])(?:\S*\/)?curl(?:\s|$)/.test(command);
}

/** The warning for an image without curl; `defaultImage` when it was built from the default Dockerfile. */
export function missingCurlMessage(image: string, defaultImage: boolean): string {
  const why = defaultImage
    ? " (the default image installs Debian's curl when it is built, and the packages could not be fetched then)"
    : "";
  return `runs curl, which image ${image} does not have${why}, so the container will not become healthy; write test: ["CMD", "model-compose", "health"], which needs nothing in the image`;
}
