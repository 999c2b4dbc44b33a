/**
 * The docker runtime keeps the run history in a named volume: `down` then `up` keeps it,
 * `down -v` removes the volume and the next `up` starts with an empty history.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  BASE_IMAGE,
  Cleanup,
  compiledBinary,
  docker,
  freeContainerPort,
  inspect,
  mc,
  PROJECT_DIR_LABEL,
  releaseBinary,
  runWorkflow,
  show,
  uniqueSuffix,
} from "./helpers.ts";

const TIMEOUT = 240_000;
const suffix = uniqueSuffix();
const cleanup = new Cleanup();
const project = `mc-e2e-state-${suffix}`;
const volume = cleanup.volume(`model-compose-${project}-state`);

let dir: string;
let port: number;

async function taskIds(): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${port}/api/tasks`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { tasks: Array<{ id?: string; task_id?: string }> };
  return body.tasks.map((t) => String(t.id ?? t.task_id));
}

async function up(): Promise<string> {
  const r = await mc(["up", "-d"], { cwd: dir });
  expect(r.code, show(r)).toBe(0);
  const built = /building (\S+) from /.exec(r.stderr);
  if (built) cleanup.image(built[1]);
  return r.stderr;
}

beforeAll(async () => {
  expect(docker(["info", "--format", "{{.ServerVersion}}"]).code).toBe(0);
  await compiledBinary();
  // The project's name is its directory's: a lowercase one gives the volume a known name.
  const parent = cleanup.dir(mkdtempSync(path.join(tmpdir(), "mc-e2e-state-")));
  dir = cleanup.project(path.join(parent, project));
  mkdirSync(dir);
  port = await freeContainerPort();
  writeFileSync(
    path.join(dir, "model-compose.yml"),
    `controller:
  port: ${port}
  runtime:
    type: docker
    ports: ["127.0.0.1:${port}:${port}"]
    build:
      args:
        BASE_IMAGE: "${BASE_IMAGE}"
workflow:
  component:
    type: shell
    command: ["echo", "kept"]
    output: \${stdout}
`,
  );
}, TIMEOUT);

afterAll(async () => {
  if (dir) await mc(["down", "-v"], { cwd: dir }).catch(() => undefined);
  cleanup.run();
  await releaseBinary();
}, TIMEOUT);

describe("the docker runtime's state volume", () => {
  test(
    "`down` keeps the run history, `down -v` removes the volume and with it the history",
    async () => {
      const first = await up();
      expect(first).toContain(`volume ${volume} created`);
      const created = inspect("volume", volume);
      expect(created?.Labels?.[PROJECT_DIR_LABEL]).toBe(dir);
      const run = await runWorkflow(port);
      expect(run.status, JSON.stringify(run.body)).toBe(200);
      const before = await taskIds();
      expect(before.length).toBe(1);

      const down = await mc(["down"], { cwd: dir });
      expect(down.code, show(down)).toBe(0);
      expect(down.stdout).not.toContain("volume");
      expect(inspect("volume", volume)).toBeDefined();

      expect(await up()).not.toContain(`volume ${volume} created`);
      expect(await taskIds()).toEqual(before);

      const downV = await mc(["down", "-v"], { cwd: dir });
      expect(downV.code, show(downV)).toBe(0);
      expect(downV.stdout).toContain(`volume ${volume} removed`);
      expect(docker(["volume", "inspect", volume]).code).not.toBe(0);

      expect(await up()).toContain(`volume ${volume} created`);
      expect(await taskIds()).toEqual([]);
    },
    TIMEOUT,
  );
});
