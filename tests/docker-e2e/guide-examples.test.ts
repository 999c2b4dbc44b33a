/**
 * The guide's Docker examples (chapter 14), written as a new user copies them, against
 * the real daemon: its two curl healthchecks bring the default image (on the local
 * debian:bookworm-slim) to healthy; a base that already has curl keeps it and fetches
 * nothing; a base whose packages cannot be fetched still builds, and `up` warns about
 * the curl healthcheck with what works instead; the examples written for the Python
 * model-compose's image produce their warnings.
 *
 * "Cannot be fetched" is a base whose apt points at 127.0.0.1:9, where nothing listens.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  Cleanup,
  compiledBinary,
  docker,
  healthOf,
  inspect,
  mc,
  projectContainers,
  releaseBinary,
  show,
  uniqueSuffix,
} from "./helpers.ts";

const TIMEOUT = 240_000;
const suffix = uniqueSuffix();
const cleanup = new Cleanup();
const UNREACHABLE_APT = String.raw`rm -f /etc/apt/sources.list && printf 'Types: deb\nURIs: http://127.0.0.1:9/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > /etc/apt/sources.list.d/debian.sources`;
/** debian:bookworm-slim whose apt reaches nothing. */
const offlineBase = cleanup.image(`mc-e2e-offline-base-${suffix}:local`);
/** The same, with curl installed before apt was cut off. */
const curlBase = cleanup.image(`mc-e2e-curl-base-${suffix}:local`);

function buildBase(tag: string, dockerfile: string): void {
  const dir = cleanup.dir(mkdtempSync(path.join(tmpdir(), "mc-e2e-base-")));
  writeFileSync(path.join(dir, "Dockerfile"), dockerfile);
  const r = docker(["build", "-q", "-t", tag, dir], 180_000);
  expect(r.code, r.stderr).toBe(0);
}

/** A project with the guide's controller (port 8080) and `runtime` lines appended to its runtime. */
function guideProject(name: string, runtime: string): { dir: string; file: string } {
  const dir = cleanup.project(realpathSync(mkdtempSync(path.join(tmpdir(), `mc-e2e-guide-${name}-`))));
  const file = path.join(dir, "model-compose.yml");
  writeCompose(file, runtime);
  return { dir, file };
}

function writeCompose(file: string, runtime: string): void {
  // Published on a port the daemon picks, on 127.0.0.1 only: 8080 stays inside the container.
  writeFileSync(
    file,
    `controller:
  type: http-server
  port: 8080
  runtime:
    type: docker
    ports: ["127.0.0.1::8080"]
${runtime}workflow:
  component: logger
`,
  );
}

function containerOf(dir: string): string {
  const names = projectContainers(dir);
  expect(names).toHaveLength(1);
  return names[0];
}

beforeAll(async () => {
  await compiledBinary();
  buildBase(offlineBase, `FROM debian:bookworm-slim\nRUN ${UNREACHABLE_APT}\n`);
  buildBase(
    curlBase,
    `FROM debian:bookworm-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends curl >/dev/null && rm -rf /var/lib/apt/lists/*
RUN ${UNREACHABLE_APT}
`,
  );
}, TIMEOUT);

afterAll(async () => {
  cleanup.run();
  await releaseBinary();
});

describe("the guide's curl healthchecks, verbatim, with the default image", () => {
  test(
    'test: [ "CMD", "curl", "-f", "http://localhost:8080/health" ] becomes healthy',
    async () => {
      const { dir } = guideProject(
        "list",
        `    healthcheck:
      test: [ "CMD", "curl", "-f", "http://localhost:8080/health" ]
`,
      );
      const up = await mc(["up", "-d"], { cwd: dir });
      expect(up.code, show(up)).toBe(0);
      expect(up.stderr).toContain("curl: installed");
      expect(up.stderr).not.toContain("warning:");
      const name = containerOf(dir);
      expect(healthOf(name)).toBe("healthy");
      expect(inspect("container", name).Config.Healthcheck.Test).toEqual([
        "CMD",
        "curl",
        "-f",
        "http://localhost:8080/health",
      ]);
      const down = await mc(["down"], { cwd: dir });
      expect(down.code, show(down)).toBe(0);
    },
    TIMEOUT,
  );

  test(
    'test: "curl -f http://localhost:8080/health || exit 1" becomes healthy',
    async () => {
      const { dir } = guideProject(
        "string",
        `    healthcheck:
      test: "curl -f http://localhost:8080/health || exit 1"
`,
      );
      const up = await mc(["up", "-d"], { cwd: dir });
      expect(up.code, show(up)).toBe(0);
      expect(up.stderr).not.toContain("warning:");
      const name = containerOf(dir);
      expect(healthOf(name)).toBe("healthy");
      expect(inspect("container", name).Config.Healthcheck.Test).toEqual([
        "CMD-SHELL",
        "curl -f http://localhost:8080/health || exit 1",
      ]);
      const down = await mc(["down"], { cwd: dir });
      expect(down.code, show(down)).toBe(0);
    },
    TIMEOUT,
  );
});

describe("bases that do not let the image install curl", () => {
  test(
    "a base that already has curl keeps it, fetches nothing, and becomes healthy",
    async () => {
      const { dir } = guideProject(
        "has-curl",
        `    build:
      args: { BASE_IMAGE: "${curlBase}" }
    healthcheck:
      test: [ "CMD", "curl", "-f", "http://localhost:8080/health" ]
`,
      );
      const up = await mc(["up", "-d"], { cwd: dir });
      expect(up.code, show(up)).toBe(0);
      expect(up.stderr).toContain("curl: the base image has it");
      expect(up.stderr).not.toContain("warning:");
      expect(healthOf(containerOf(dir))).toBe("healthy");
      expect((await mc(["down"], { cwd: dir })).code).toBe(0);
    },
    TIMEOUT,
  );

  test(
    "a base whose packages cannot be fetched still builds; up warns about the curl healthcheck, and the suggested one works",
    async () => {
      const { dir, file } = guideProject(
        "offline",
        `    build:
      args: { BASE_IMAGE: "${offlineBase}" }
    healthcheck:
      test: [ "CMD", "curl", "-f", "http://localhost:8080/health" ]
`,
      );
      const up = await mc(["up", "-d"], { cwd: dir });
      expect(up.stderr).toContain("curl: could not be installed");
      const image = `model-compose-${path.basename(dir).toLowerCase()}:local`;
      expect(inspect("image", image), "the image was built").toBeDefined();
      expect(up.stderr).toContain(
        `warning: ${file}:10:13: controller.runtime.healthcheck.test: runs curl, which image ${image} does not have (the default image installs Debian's curl when it is built, and the packages could not be fetched then), so the container will not become healthy; write test: ["CMD", "model-compose", "health"], which needs nothing in the image`,
      );
      // As warned: the container does not become healthy.
      expect(up.code, show(up)).not.toBe(0);
      expect(up.stderr).toContain("is unhealthy");

      writeCompose(
        file,
        `    build:
      args: { BASE_IMAGE: "${offlineBase}" }
    healthcheck:
      test: ["CMD", "model-compose", "health"]
`,
      );
      const again = await mc(["up", "-d"], { cwd: dir });
      expect(again.code, show(again)).toBe(0);
      expect(again.stderr).not.toContain("warning:");
      expect(again.stderr).toContain(`image ${image} is up to date`);
      expect(healthOf(containerOf(dir))).toBe("healthy");
      expect((await mc(["down"], { cwd: dir })).code).toBe(0);
    },
    TIMEOUT,
  );
});

test(
  "the examples written for the Python model-compose's image: up warns about each, naming the key",
  async () => {
    const { dir, file } = guideProject(
      "python",
      `    build:
      context: .
      dockerfile: Dockerfile
    command:
      - python
      - -m
      - mindor.cli.compose
      - up
      - --verbose
    healthcheck:
      test: [ "CMD-SHELL", "python -c 'import requests; requests.get(\\"http://localhost:8080/health\\")' || exit 1" ]
      interval: 20s
`,
    );
    writeFileSync(
      path.join(dir, "Dockerfile"),
      `# Dockerfile
FROM python:3.11-slim

WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

CMD [ "model-compose", "up" ]
`,
    );
    writeFileSync(path.join(dir, "requirements.txt"), "model-compose\n");
    const up = await mc(["up", "-d"], { cwd: dir });
    // No registry is reachable here, so python:3.11-slim cannot be had: the build fails,
    // after the warnings that say why this would not work anyway.
    expect(up.code, show(up)).not.toBe(0);
    const warnings = up.stderr.split("\n").filter((l) => l.startsWith("warning: "));
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^warning: ${file}:\\d+:\\d+: controller\\.runtime\\.command: runs the Python model-compose \\(python -m mindor\\.cli\\.compose\\), .*write command: \\["model-compose", "up", "--verbose"\\]`,
        ),
      ),
      expect.stringMatching(
        /^warning: .*: controller\.runtime\.healthcheck\.test: calls Python \(python -c 'import requests…'\), .*write test: \["CMD", "model-compose", "health"\]/,
      ),
      expect.stringMatching(
        /^warning: .*: controller\.runtime\.build\.dockerfile: .*Dockerfile builds FROM python:3\.11-slim and installs model-compose with pip \(line 7\).*COPY \$\{MC_DIR\}\/model-compose \/usr\/local\/bin\/model-compose/,
      ),
    ]);
    expect(up.stderr).toContain("python:3.11-slim");
  },
  TIMEOUT,
);
