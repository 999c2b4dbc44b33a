import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DOCKER_HUB_SERVER, dockerConfigDir, imageRegistry, resolveRegistryAuth } from "./registry-auth.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "mc-registry-auth-"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A DOCKER_CONFIG directory holding `config`, and the env that points at it. */
function configDir(name: string, config: unknown, extraEnv: Record<string, string> = {}) {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
  return { ...process.env, DOCKER_CONFIG: dir, ...extraEnv } as Record<string, string>;
}

describe("imageRegistry", () => {
  test.each([
    ["ubuntu", "docker.io", DOCKER_HUB_SERVER],
    ["ubuntu:22.04", "docker.io", DOCKER_HUB_SERVER],
    ["library/ubuntu", "docker.io", DOCKER_HUB_SERVER],
    ["myorg/app:1", "docker.io", DOCKER_HUB_SERVER],
    ["docker.io/myorg/app", "docker.io", DOCKER_HUB_SERVER],
    ["index.docker.io/myorg/app", "docker.io", DOCKER_HUB_SERVER],
    ["ghcr.io/org/app:1", "ghcr.io", "ghcr.io"],
    ["registry.local:5000/app", "registry.local:5000", "registry.local:5000"],
    ["localhost/app", "localhost", "localhost"],
    ["localhost:5000/app@sha256:abc", "localhost:5000", "localhost:5000"],
    ["127.0.0.1:1/none/such:tag", "127.0.0.1:1", "127.0.0.1:1"],
  ])("%s", (image, host, serverAddress) => {
    expect(imageRegistry(image)).toEqual({ host, serverAddress });
  });
});

describe("auths in config.json", () => {
  const config = {
    auths: {
      "https://index.docker.io/v1/": { auth: b64("hubuser:hub:pass") },
      "ghcr.io": { auth: b64("octo:ghp_token") },
      "https://registry.local:5000": { auth: b64("local:secret") },
      "https://sso.example.com/v2/": { identitytoken: "id-token-123" },
      "plain.example.com": { username: "plain", password: "pw" },
      "empty.example.com": {},
    },
  };

  test.each([
    [
      "Docker Hub by its v1 key",
      "ubuntu:22.04",
      { username: "hubuser", password: "hub:pass", serveraddress: DOCKER_HUB_SERVER },
    ],
    [
      "Docker Hub with docker.io/ prefix",
      "docker.io/org/app",
      { username: "hubuser", password: "hub:pass", serveraddress: DOCKER_HUB_SERVER },
    ],
    [
      "a bare host key",
      "ghcr.io/org/app:1",
      { username: "octo", password: "ghp_token", serveraddress: "ghcr.io" },
    ],
    [
      "a key with https:// and a port",
      "registry.local:5000/app",
      { username: "local", password: "secret", serveraddress: "registry.local:5000" },
    ],
    [
      "an identity token under an https:// key with a path",
      "sso.example.com/team/app",
      { identitytoken: "id-token-123", serveraddress: "sso.example.com" },
    ],
    [
      "username and password fields",
      "plain.example.com/app",
      { username: "plain", password: "pw", serveraddress: "plain.example.com" },
    ],
  ])("%s", async (_name, image, expected) => {
    const env = configDir("auths", config);
    expect(await resolveRegistryAuth(image, { env })).toEqual(expected);
  });

  test("no entry, or an empty entry, means no auth", async () => {
    const env = configDir("auths", config);
    expect(await resolveRegistryAuth("quay.io/org/app", { env })).toBeUndefined();
    expect(await resolveRegistryAuth("empty.example.com/app", { env })).toBeUndefined();
  });

  test("Docker Hub credentials stored under docker.io are found too", async () => {
    const env = configDir("hub-alias", { auths: { "docker.io": { auth: b64("u:p") } } });
    expect(await resolveRegistryAuth("busybox", { env })).toEqual({
      username: "u",
      password: "p",
      serveraddress: DOCKER_HUB_SERVER,
    });
  });

  test("configDir overrides DOCKER_CONFIG", async () => {
    configDir("explicit", { auths: { "ghcr.io": { auth: b64("x:y") } } });
    expect(
      await resolveRegistryAuth("ghcr.io/a/b", {
        configDir: path.join(root, "explicit"),
        env: { DOCKER_CONFIG: "/nonexistent" },
      }),
    ).toEqual({ username: "x", password: "y", serveraddress: "ghcr.io" });
  });
});

describe("missing and broken files", () => {
  test("a missing config.json means no auth", async () => {
    expect(
      await resolveRegistryAuth("ghcr.io/a/b", { env: { DOCKER_CONFIG: path.join(root, "does-not-exist") } }),
    ).toBeUndefined();
  });

  test("without DOCKER_CONFIG the file is ~/.docker/config.json", async () => {
    expect(dockerConfigDir({ HOME: "/home/someone" })).toBe("/home/someone/.docker");
    expect(dockerConfigDir({ HOME: "/home/someone", DOCKER_CONFIG: "/etc/docker-cli" })).toBe(
      "/etc/docker-cli",
    );
    const home = path.join(root, "home");
    mkdirSync(path.join(home, ".docker"), { recursive: true });
    writeFileSync(
      path.join(home, ".docker", "config.json"),
      JSON.stringify({ auths: { "ghcr.io": { auth: b64("h:p") } } }),
    );
    expect(await resolveRegistryAuth("ghcr.io/a/b", { env: { HOME: home } })).toEqual({
      username: "h",
      password: "p",
      serveraddress: "ghcr.io",
    });
  });

  test("invalid JSON is an error naming the file", async () => {
    const env = configDir("broken", "{ not json");
    await expect(resolveRegistryAuth("ghcr.io/a/b", { env })).rejects.toThrow(
      /config\.json is not valid JSON/,
    );
  });
});

describe("credential helpers", () => {
  let bin: string;
  let calls: string;

  beforeAll(() => {
    bin = path.join(root, "bin");
    calls = path.join(root, "helper-calls.log");
    mkdirSync(bin, { recursive: true });
    // A docker credential helper: reads the server URL on stdin, answers JSON.
    writeFileSync(
      path.join(bin, "docker-credential-test"),
      `#!/bin/sh
[ "$1" = "get" ] || { echo "unexpected action $1" >&2; exit 2; }
read -r server
echo "$server" >> "${calls}"
case "$server" in
  https://index.docker.io/v1/) echo '{"ServerURL":"'"$server"'","Username":"hubhelper","Secret":"hubsecret"}' ;;
  ghcr.io) echo '{"ServerURL":"ghcr.io","Username":"<token>","Secret":"refresh-token"}' ;;
  registry.local:5000) echo '{"ServerURL":"registry.local:5000","Username":"helper","Secret":"s3cret"}' ;;
  broken.example.com) echo 'this is not json' ;;
  failing.example.com) echo 'keychain locked' >&2; exit 3 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
    );
    chmodSync(path.join(bin, "docker-credential-test"), 0o755);
  });

  const withHelperOnPath = (env: Record<string, string>) => ({ ...env, PATH: `${bin}:${process.env.PATH}` });

  test("credsStore answers for every registry, with the server URL on stdin", async () => {
    const env = withHelperOnPath(configDir("store", { credsStore: "test", auths: { "ghcr.io": {} } }));
    expect(await resolveRegistryAuth("ubuntu", { env })).toEqual({
      username: "hubhelper",
      password: "hubsecret",
      serveraddress: DOCKER_HUB_SERVER,
    });
    expect(await resolveRegistryAuth("registry.local:5000/app", { env })).toEqual({
      username: "helper",
      password: "s3cret",
      serveraddress: "registry.local:5000",
    });
    const seen = readFileSync(calls, "utf8").trim().split("\n");
    expect(seen).toContain(DOCKER_HUB_SERVER);
    expect(seen).toContain("registry.local:5000");
  });

  test("a <token> username is an identity token", async () => {
    const env = withHelperOnPath(configDir("store", { credsStore: "test" }));
    expect(await resolveRegistryAuth("ghcr.io/org/app", { env })).toEqual({
      identitytoken: "refresh-token",
      serveraddress: "ghcr.io",
    });
  });

  test("credHelpers for one registry win over credsStore and auths", async () => {
    const env = withHelperOnPath(
      configDir("helpers", {
        credsStore: "missing-store",
        credHelpers: { "registry.local:5000": "test" },
        auths: { "registry.local:5000": { auth: b64("from:auths") } },
      }),
    );
    expect(await resolveRegistryAuth("registry.local:5000/app", { env })).toEqual({
      username: "helper",
      password: "s3cret",
      serveraddress: "registry.local:5000",
    });
  });

  test("credHelpers entries only apply to their registry; auths answer the others", async () => {
    const env = withHelperOnPath(
      configDir("helpers-only", {
        credHelpers: { "registry.local:5000": "test" },
        auths: { "ghcr.io": { auth: b64("a:b") } },
      }),
    );
    expect(await resolveRegistryAuth("ghcr.io/x/y", { env })).toEqual({
      username: "a",
      password: "b",
      serveraddress: "ghcr.io",
    });
  });

  test("'credentials not found' means no auth", async () => {
    const env = withHelperOnPath(configDir("store", { credsStore: "test" }));
    expect(await resolveRegistryAuth("quay.io/a/b", { env })).toBeUndefined();
  });

  test("a failing helper, a helper answering garbage, and a missing helper are errors", async () => {
    const env = withHelperOnPath(configDir("store", { credsStore: "test" }));
    await expect(resolveRegistryAuth("failing.example.com/a", { env })).rejects.toThrow(
      /docker-credential-test failed for failing\.example\.com \(exit 3\): keychain locked/,
    );
    await expect(resolveRegistryAuth("broken.example.com/a", { env })).rejects.toThrow(/not JSON/);
    const noHelper = withHelperOnPath(configDir("no-helper", { credsStore: "nonexistent-helper" }));
    await expect(resolveRegistryAuth("ubuntu", { env: noHelper })).rejects.toThrow(
      /docker-credential-nonexistent-helper is not on PATH/,
    );
  });
});
