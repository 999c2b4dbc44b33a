/** The state volume's part of the container spec: the /data mount and MODEL_COMPOSE_STATE_DIR. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as v from "valibot";
import {
  type ContainerSpecContext,
  containerSpec,
  STATE_DIR_ENV,
  STATE_MOUNT,
  stateVolumeName,
} from "./container-spec.ts";
import { DockerRuntimeOptionsSchema } from "./options.ts";

const ctx: ContainerSpecContext = {
  projectDir: "/srv/project",
  projectName: "demo",
  controllerPort: 8080,
  image: "model-compose/demo:latest",
  stateVolume: "model-compose-demo-state",
};

function spec(fields: Record<string, unknown>, extra: Partial<ContainerSpecContext> = {}) {
  const options = v.parse(DockerRuntimeOptionsSchema, { type: "docker", ...fields });
  return containerSpec(options, { ...ctx, ...extra }).create;
}

describe("the state volume", () => {
  test("is mounted at /data and named as the state directory", () => {
    const create = spec({});
    expect(create.HostConfig?.Binds).toEqual(["model-compose-demo-state:/data"]);
    expect(create.Env).toEqual([`${STATE_DIR_ENV}=${STATE_MOUNT}`]);
  });

  test("comes after the user's own binds", () => {
    const create = spec({ volumes: ["./models:/models:ro"] });
    expect(create.HostConfig?.Binds).toEqual([
      "/srv/project/models:/models:ro",
      "model-compose-demo-state:/data",
    ]);
  });

  test.each([
    ["a short named volume", ["mine:/data"], ["mine:/data"], undefined],
    ["a short bind, with a trailing slash", ["./state:/data/"], ["/srv/project/state:/data/"], undefined],
    [
      "a long volume",
      [{ type: "volume", source: "mine", target: "/data" }],
      undefined,
      [{ Type: "volume", Source: "mine", Target: "/data" }],
    ],
  ])(
    "a user volume at /data is theirs: no state volume, no variable (%s)",
    (_name, volumes, binds, mounts) => {
      const create = spec({ volumes });
      expect(create.HostConfig?.Binds).toEqual(binds);
      expect(create.HostConfig?.Mounts as unknown).toEqual(mounts);
      // Their /data holds their data and may not be writable for the image's user: the
      // state stays in the container's project directory.
      expect(create.Env).toBeUndefined();
    },
  );

  test("the user's MODEL_COMPOSE_STATE_DIR wins, from environment or env_file", () => {
    expect(spec({ environment: { [STATE_DIR_ENV]: "/state" } }).Env).toEqual([`${STATE_DIR_ENV}=/state`]);
    const dir = mkdtempSync(path.join(tmpdir(), "mc-state-env-"));
    try {
      writeFileSync(path.join(dir, "app.env"), `${STATE_DIR_ENV}=/elsewhere\n`);
      const create = spec({ env_file: "app.env" }, { projectDir: dir });
      expect(create.Env).toEqual([`${STATE_DIR_ENV}=/elsewhere`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a host value of MODEL_COMPOSE_STATE_DIR passed through by the runtime does not leak in", () => {
    const create = spec({}, { env: { [STATE_DIR_ENV]: "/home/me/project/.model-compose" } });
    expect(create.Env).toEqual([`${STATE_DIR_ENV}=/data`]);
  });

  test("without a state volume there is no mount and no variable", () => {
    const create = spec({}, { stateVolume: undefined });
    expect(create.HostConfig?.Binds).toBeUndefined();
    expect(create.Env).toBeUndefined();
  });

  test("its name comes from the project's name, as the image's does", () => {
    expect(stateVolumeName("demo")).toBe("model-compose-demo-state");
    expect(stateVolumeName("My Project!")).toBe("model-compose-my-project-state");
    expect(stateVolumeName("__")).toBe("model-compose-project-state");
  });
});
