/**
 * Inside a container on a user-defined network, Docker's embedded DNS listens on
 * 127.0.0.11 at a random ephemeral port. A controller whose port is that one cannot
 * listen on 0.0.0.0; the error says why and what to choose instead. The compiled binary
 * runs in the local busybox image, on a port read from the container itself.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { BASE_IMAGE, Cleanup, compiledBinary, docker, releaseBinary, show, uniqueSuffix } from "./helpers.ts";

const TIMEOUT = 180_000;
const suffix = uniqueSuffix();
const cleanup = new Cleanup();
const network = cleanup.network(`mc-e2e-dns-${suffix}`);
const container = cleanup.container(`mc-e2e-dns-${suffix}`);
let dir: string;

beforeAll(async () => {
  const exe = await compiledBinary();
  dir = cleanup.dir(mkdtempSync(path.join(tmpdir(), `mc-e2e-dns-${suffix}-`)));
  chmodSync(dir, 0o755);
  expect(docker(["network", "create", network]).code).toBe(0);
  const started = docker([
    "run",
    "-d",
    "--name",
    container,
    "--network",
    network,
    "-v",
    `${exe}:/usr/local/bin/model-compose:ro`,
    "-v",
    `${dir}:/project`,
    BASE_IMAGE,
    "sleep",
    "300",
  ]);
  expect(started.code, show(started)).toBe(0);
}, TIMEOUT);

afterAll(async () => {
  cleanup.run();
  await releaseBinary();
}, TIMEOUT);

describe("a controller port held by Docker's DNS inside the container", () => {
  test(
    "is refused with a hint to choose a port below 32768",
    () => {
      const sockets = docker(["exec", container, "netstat", "-tln"]);
      expect(sockets.code, show(sockets)).toBe(0);
      const dnsPort = Number(/127\.0\.0\.11:(\d+)/.exec(sockets.stdout)?.[1]);
      expect(dnsPort).toBeGreaterThanOrEqual(32768);
      writeFileSync(
        path.join(dir, "model-compose.yml"),
        `controller:\n  host: 0.0.0.0\n  port: ${dnsPort}\nworkflow:\n  component: logger\n`,
      );
      const up = docker(["exec", "-w", "/project", container, "model-compose", "up"]);
      expect(up.code, show(up)).toBe(2);
      expect(up.stderr).toContain(
        `error: cannot listen on 0.0.0.0:${dnsPort}: the port is already in use (controller.port); inside this container Docker's DNS listens on 127.0.0.11:${dnsPort}: choose a controller port below 32768`,
      );
    },
    TIMEOUT,
  );
});
