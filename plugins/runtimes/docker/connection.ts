/**
 * How the docker runtime reaches the daemon: its address worked out like the docker
 * CLI does, the daemon's own words in an error, and `attempt`, the one place a failed
 * call to the daemon becomes an error a user can act on.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import type Dockerode from "dockerode";

/** How to reach the daemon, and how to say so in errors. */
export interface DockerConnection {
  options: Dockerode.DockerOptions;
  /** E.g. `unix:///var/run/docker.sock` or `tcp://10.0.0.5:2376 (TLS)`. */
  description: string;
  /** Where the address came from: `DOCKER_HOST` or `the default socket`. */
  source: string;
}

/**
 * Works out the daemon's address like the docker CLI: `DOCKER_HOST` (unix://,
 * npipe://, tcp://, http(s)://, ssh://; TLS with DOCKER_TLS_VERIFY=1, port 2376 or
 * https://, certificates from DOCKER_CERT_PATH), else `~/.docker/run/docker.sock`
 * when it exists, else `/var/run/docker.sock`.
 */
export function dockerConnection(
  dockerHost: string | undefined,
  env: Record<string, string | undefined> = process.env,
): DockerConnection {
  if (!dockerHost) {
    const userSocket = path.join(env.HOME || homedir(), ".docker", "run", "docker.sock");
    const socketPath = existsSync(userSocket) ? userSocket : "/var/run/docker.sock";
    return { options: { socketPath }, description: `unix://${socketPath}`, source: "the default socket" };
  }
  const source = "DOCKER_HOST";
  if (dockerHost.startsWith("unix://") || dockerHost.startsWith("npipe://")) {
    const socketPath = dockerHost.replace(/^[a-z]+:\/\//, "");
    if (!socketPath) throw new Error(`DOCKER_HOST=${dockerHost} names no socket path`);
    return { options: { socketPath }, description: dockerHost, source };
  }
  let url: URL;
  try {
    url = new URL(dockerHost.includes("://") ? dockerHost : `tcp://${dockerHost}`);
  } catch {
    throw new Error(
      `DOCKER_HOST=${dockerHost} is not an address like unix:///var/run/docker.sock or tcp://host:2376`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (url.protocol === "ssh:") {
    const options: Dockerode.DockerOptions = { protocol: "ssh", host, port: url.port || 22 };
    if (url.username) options.username = decodeURIComponent(url.username);
    if (env.SSH_AUTH_SOCK) options.sshOptions = { agent: env.SSH_AUTH_SOCK };
    return { options, description: dockerHost, source };
  }
  if (!["tcp:", "http:", "https:"].includes(url.protocol)) {
    throw new Error(
      `DOCKER_HOST=${dockerHost}: unsupported scheme ${url.protocol} (use unix://, tcp:// or ssh://)`,
    );
  }
  const tls = url.protocol === "https:" || env.DOCKER_TLS_VERIFY === "1" || url.port === "2376";
  const port = url.port || (tls ? "2376" : "2375");
  const options: Dockerode.DockerOptions = { protocol: tls ? "https" : "http", host, port };
  if (tls && env.DOCKER_CERT_PATH) {
    try {
      options.ca = readFileSync(path.join(env.DOCKER_CERT_PATH, "ca.pem"));
      options.cert = readFileSync(path.join(env.DOCKER_CERT_PATH, "cert.pem"));
      options.key = readFileSync(path.join(env.DOCKER_CERT_PATH, "key.pem"));
    } catch (error) {
      throw new Error(`cannot read the TLS certificates in DOCKER_CERT_PATH: ${(error as Error).message}`);
    }
  }
  return { options, description: `${tls ? "https" : "tcp"}://${host}:${port}${tls ? " (TLS)" : ""}`, source };
}

/** The daemon's message in a dockerode error, else the error's own. */
export function dockerErrorMessage(error: unknown): string {
  const e = error as { json?: { message?: string } | string; message?: string; reason?: string };
  if (e?.json && typeof e.json === "object" && e.json.message) return e.json.message;
  if (typeof e?.json === "string" && e.json.trim()) return e.json.trim();
  if (e?.message) return e.message.replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
  return String(error);
}

export function statusCode(error: unknown): number | undefined {
  return (error as { statusCode?: number })?.statusCode;
}

/**
 * Runs one call to the daemon. A failure becomes `cannot WHAT: <the daemon's message>`
 * (the original error as its cause), except for the HTTP status codes in `expected`:
 * for those the given value is returned (a 404 "no such image" that means "absent",
 * a 304 "already stopped" that means "done").
 */
export async function attempt<T, U = never>(
  what: string,
  call: () => Promise<T>,
  expected: Readonly<Record<number, U>> = {},
): Promise<T | U> {
  try {
    return await call();
  } catch (error) {
    const code = statusCode(error);
    if (code !== undefined && Object.hasOwn(expected, code)) return expected[code];
    throw new Error(`cannot ${what}: ${dockerErrorMessage(error)}`, { cause: error });
  }
}

/**
 * The error for a daemon that does not answer: the address tried, where it came from,
 * and how to check (docker info, is dockerd running, socket permissions, DOCKER_HOST).
 */
export function unreachable(connection: DockerConnection, error: unknown): Error {
  const { description, source, options } = connection;
  const hints = ["run `docker info` to see whether the daemon answers", "check that dockerd is running"];
  if (options.socketPath) {
    hints.push(
      `check that the socket ${options.socketPath} exists and that you may use it (permissions on ${options.socketPath}; membership of the docker group)`,
    );
  }
  hints.push(
    source === "DOCKER_HOST"
      ? "check DOCKER_HOST, or unset it to use /var/run/docker.sock"
      : "set DOCKER_HOST if the daemon listens elsewhere",
  );
  return new Error(
    `cannot connect to the Docker daemon at ${description} (${source}): ${dockerErrorMessage(error)}. ${hints.join("; ")}`,
    { cause: error },
  );
}
