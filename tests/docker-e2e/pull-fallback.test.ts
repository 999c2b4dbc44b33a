/**
 * `image:` that cannot be pulled (a registry at 127.0.0.1:1, where nothing listens):
 * `up` says the pull failed, builds the image locally under that name and runs it.
 * This file runs the CLI from source (`bun --no-env-file cli.ts`), so the runtime
 * compiles the executable for the image itself.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  BASE_IMAGE,
  Cleanup,
  docker,
  freeContainerPort,
  inspect,
  mcFromSource,
  projectContainers,
  runWorkflow,
  show,
  uniqueSuffix,
} from "./helpers.ts";

const TIMEOUT = 180_000;
const suffix = uniqueSuffix();
const cleanup = new Cleanup();
const image = cleanup.image(`127.0.0.1:1/nope/model-compose:test-${suffix}`);
let dir: string;
let port: number;

beforeAll(async () => {
  expect(docker(["info", "--format", "{{.ServerVersion}}"]).code).toBe(0);
  dir = cleanup.project(mkdtempSync(path.join(tmpdir(), `mc-e2e-pull-${suffix}-`)));
  port = await freeContainerPort();
  writeFileSync(
    path.join(dir, "model-compose.yml"),
    `controller:
  type: http-server
  port: ${port}
  runtime:
    type: docker
    image: ${image}
    ports: ["127.0.0.1:${port}:${port}"]
    build:
      args:
        BASE_IMAGE: ${BASE_IMAGE}
workflow:
  component:
    type: shell
    command: ["echo", "hello \${input.name}"]
    output: \${stdout.trim()}
`,
  );
}, TIMEOUT);

afterAll(async () => {
  if (dir) await mcFromSource(["down"], { cwd: dir }).catch(() => undefined);
  cleanup.run();
}, TIMEOUT);

describe("pull failure", () => {
  test(
    "falls back to a local build tagged with the image's name, and runs it",
    async () => {
      expect(inspect("image", image)).toBeUndefined();
      const r = await mcFromSource(["up", "-d"], { cwd: dir });
      expect(r.code, show(r)).toBe(0);
      expect(r.stderr).toContain(`pulling ${image}`);
      expect(r.stderr).toMatch(
        new RegExp(
          `pull of ${image.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} failed \\(.+\\); building it locally`,
        ),
      );
      expect(r.stderr).toContain(`building ${image} from ${path.join(dir, ".docker")}`);
      expect(r.stderr).toContain(`Successfully tagged ${image}`);
      // Compiled from source for the image.
      expect(r.stdout + r.stderr).toMatch(/built .*model-compose-linux-/);

      const [name] = projectContainers(dir);
      const c = inspect("container", name);
      expect(c.Config.Image).toBe(image);
      expect(c.Image).toBe(inspect("image", image).Id);
      expect(c.State.Health.Status).toBe("healthy");
      const { status, body } = await runWorkflow(port, { name: "docker" });
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body).toMatchObject({ status: "completed", output: "hello docker" });

      const down = await mcFromSource(["down"], { cwd: dir });
      expect(down.code, show(down)).toBe(0);
      expect(docker(["ps", "-a", "--format", "{{.Names}}"]).stdout.split("\n")).not.toContain(name);
    },
    TIMEOUT,
  );
});
