/**
 * Registry credentials for pulling an image, found the way the docker CLI finds them:
 * `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), its `auths` entries,
 * and credential helpers (`credHelpers` per registry, `credsStore` for all).
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import * as path from "node:path";

/** The key Docker Hub credentials are stored under. */
export const DOCKER_HUB_SERVER = "https://index.docker.io/v1/";

/** Credentials in the shape of the Engine API's X-Registry-Auth header. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** A token from `docker login` with an identity provider; sent instead of a password. */
  identitytoken?: string;
  serveraddress: string;
}

/** Where the credentials for an image are looked up. */
export interface ImageRegistry {
  /** The registry's host[:port], `docker.io` for Docker Hub. */
  host: string;
  /** The key in config.json and for credential helpers (`https://index.docker.io/v1/` for Docker Hub). */
  serverAddress: string;
}

/**
 * The registry an image reference points at: the first path component when it looks
 * like a host (has a `.` or `:`, or is `localhost`), Docker Hub otherwise.
 */
export function imageRegistry(image: string): ImageRegistry {
  const slash = image.indexOf("/");
  const first = slash < 0 ? "" : image.slice(0, slash);
  const isHost = first !== "" && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!isHost || isDockerHub(first)) return { host: "docker.io", serverAddress: DOCKER_HUB_SERVER };
  return { host: first, serverAddress: first };
}

function isDockerHub(host: string): boolean {
  return host === "docker.io" || host === "index.docker.io" || host === "registry-1.docker.io";
}

/** Reduces a config.json key (`https://host:5000/v1/`, `host:5000`) to its host[:port]. */
function keyHost(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, "")
    .split("/")[0]
    .toLowerCase();
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Options for `resolveRegistryAuth`; both default to the process's. */
export interface RegistryAuthOptions {
  /** Environment for DOCKER_CONFIG, HOME and the helper's PATH. */
  env?: Record<string, string | undefined>;
  /** Directory holding config.json; overrides DOCKER_CONFIG. */
  configDir?: string;
  /** How long a credential helper may take, in milliseconds (default 30 s). */
  helperTimeoutMs?: number;
}

/** The docker CLI's config directory: `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(env: Record<string, string | undefined> = process.env): string {
  if (env.DOCKER_CONFIG) return env.DOCKER_CONFIG;
  return path.join(env.HOME || homedir(), ".docker");
}

/**
 * Finds the credentials for pulling `image`. Returns undefined when there are none
 * (no config file, no entry, or the helper has no credentials for the registry).
 * Throws when config.json is not valid JSON or a configured credential helper fails.
 */
export async function resolveRegistryAuth(
  image: string,
  options: RegistryAuthOptions = {},
): Promise<RegistryAuth | undefined> {
  const env = options.env ?? process.env;
  const file = path.join(options.configDir ?? dockerConfigDir(env), "config.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read the docker config ${file}: ${(error as Error).message}`);
  }
  let config: DockerConfigFile;
  try {
    config = JSON.parse(text) as DockerConfigFile;
  } catch (error) {
    throw new Error(`the docker config ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const registry = imageRegistry(image);

  const helpers = config.credHelpers ?? {};
  const helperKey = Object.keys(helpers).find(
    (key) => key === registry.serverAddress || keyHost(key) === keyHost(registry.serverAddress),
  );
  const helper = helperKey !== undefined ? helpers[helperKey] : config.credsStore;
  if (helper) {
    return credentialFromHelper(helper, registry.serverAddress, env, options.helperTimeoutMs ?? 30_000);
  }

  const auths = config.auths ?? {};
  const wanted = keyHost(registry.serverAddress);
  const key =
    registry.serverAddress in auths
      ? registry.serverAddress
      : Object.keys(auths).find((k) => {
          const h = keyHost(k);
          return h === wanted || (registry.host === "docker.io" && isDockerHub(h));
        });
  if (key === undefined) return undefined;
  const entry = auths[key];
  const auth: RegistryAuth = { serveraddress: registry.serverAddress };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0)
      throw new Error(`the docker config ${file}: the "auth" of ${key} is not base64 of user:password`);
    auth.username = decoded.slice(0, colon);
    auth.password = decoded.slice(colon + 1);
  } else {
    if (entry.username !== undefined) auth.username = entry.username;
    if (entry.password !== undefined) auth.password = entry.password;
  }
  if (entry.identitytoken) auth.identitytoken = entry.identitytoken;
  if (auth.username === undefined && auth.password === undefined && auth.identitytoken === undefined)
    return undefined;
  return auth;
}

/**
 * Runs `docker-credential-<helper> get` with the server address on stdin and reads
 * its `{ServerURL, Username, Secret}` answer. "Not found" answers mean no credentials.
 */
async function credentialFromHelper(
  helper: string,
  serverAddress: string,
  env: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<RegistryAuth | undefined> {
  const program = `docker-credential-${helper}`;
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(program, ["get"], {
        env: env as NodeJS.ProcessEnv,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the credential helper ${program} did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString("utf8");
      });
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString("utf8");
      });
      child.on("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new Error(
            error.code === "ENOENT"
              ? `the docker config names the credential helper "${helper}", but ${program} is not on PATH; install it or remove "credsStore"/"credHelpers" from the docker config`
              : `cannot run the credential helper ${program}: ${error.message}`,
          ),
        );
      });
      child.on("close", (exitCode) => {
        clearTimeout(timer);
        resolve({ code: exitCode, stdout: out, stderr: err });
      });
      child.stdin.on("error", () => {});
      child.stdin.end(serverAddress);
    },
  );
  const message = (stdout.trim() || stderr.trim()).split("\n")[0];
  if (code !== 0) {
    if (/credentials not found/i.test(stdout + stderr)) return undefined;
    throw new Error(
      `the credential helper ${program} failed for ${serverAddress} (exit ${code}): ${message}`,
    );
  }
  let answer: { ServerURL?: string; Username?: string; Secret?: string };
  try {
    answer = JSON.parse(stdout);
  } catch {
    throw new Error(`the credential helper ${program} answered something that is not JSON: ${message}`);
  }
  if (!answer.Secret && !answer.Username) return undefined;
  if (answer.Username === "<token>") return { identitytoken: answer.Secret, serveraddress: serverAddress };
  return { username: answer.Username, password: answer.Secret, serveraddress: serverAddress };
}
