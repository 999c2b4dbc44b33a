// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text quotes ${MC_DIR}
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as v from "valibot";
import { loadProject } from "../../../runtime/compose/load.ts";
import { PluginRegistry } from "../../../runtime/plugins.ts";
import loggerPlugin from "../../components/logger/index.ts";
import { usesCurl } from "./healthcheck-curl.ts";
import dockerPlugin from "./index.ts";
import { DockerRuntimeOptionsSchema } from "./options.ts";
import { pythonOriginalWarnings } from "./python-original.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "mc-python-original-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const controller = { port: 8080 } as never;

function warnings(fields: Record<string, unknown>, projectDir = "/nonexistent") {
  const options = v.parse(DockerRuntimeOptionsSchema, { type: "docker", ...fields });
  return pythonOriginalWarnings(options, { projectDir, controller });
}

/** The Dockerfile of the guide's "custom Dockerfile" example (14.3.2). */
const GUIDE_DOCKERFILE = `# Dockerfile
FROM python:3.11-slim

WORKDIR /app

RUN apt update && apt install -y \\
    git \\
    curl \\
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

CMD [ "model-compose", "up" ]
`;

describe("command and entrypoint running the Python model-compose", () => {
  test("the guide's command list: names the key and the command to write instead", () => {
    expect(warnings({ command: ["python", "-m", "mindor.cli.compose", "up", "--verbose"] })).toEqual([
      {
        keyPath: ["command"],
        message:
          'runs the Python model-compose (python -m mindor.cli.compose), which this image does not have: here model-compose is one executable, /usr/local/bin/model-compose; write command: ["model-compose", "up", "--verbose"], or leave command out: the image already runs model-compose up',
      },
    ]);
  });

  test("a string command, python3, and an entrypoint are recognised too", () => {
    expect(warnings({ command: "python3 -m mindor.cli.compose up" })[0].message).toContain(
      'write command: ["model-compose", "up"]',
    );
    expect(
      warnings({ entrypoint: ["/usr/local/bin/python3.11", "-m", "mindor.cli.compose"] })[0],
    ).toMatchObject({
      keyPath: ["entrypoint"],
    });
  });

  test("commands for this executable are left alone", () => {
    expect(warnings({ command: ["model-compose", "up", "--verbose"] })).toEqual([]);
    expect(warnings({ command: ["python", "serve.py"] })).toEqual([]);
  });
});

describe("a healthcheck that calls Python", () => {
  test("the guide's CMD-SHELL python -c 'import requests…' healthcheck", () => {
    const test = [
      "CMD-SHELL",
      `python -c 'import requests; requests.get("http://localhost:8080/health")' || exit 1`,
    ];
    expect(warnings({ healthcheck: { test, interval: "20s" } })).toEqual([
      {
        keyPath: ["healthcheck", "test"],
        message:
          'calls Python (python -c \'import requests…\'), which this image does not have, so the container would never become healthy; write test: ["CMD", "model-compose", "health"] (it asks the controller\'s /health and needs nothing else), or test: ["CMD", "curl", "-f", "http://localhost:8080/health"]',
      },
    ]);
  });

  test("curl and model-compose healthchecks are left alone", () => {
    expect(
      warnings({ healthcheck: { test: ["CMD", "curl", "-f", "http://localhost:8080/health"] } }),
    ).toEqual([]);
    expect(warnings({ healthcheck: { test: ["CMD", "model-compose", "health"] } })).toEqual([]);
    expect(warnings({ healthcheck: { test: ["NONE"] } })).toEqual([]);
  });
});

describe("a Dockerfile FROM python that installs model-compose with pip", () => {
  test("the guide's Dockerfile, through a requirements file: names build.dockerfile and the line", () => {
    const dir = project({ Dockerfile: GUIDE_DOCKERFILE, "requirements.txt": "model-compose\n" });
    const [w, ...rest] = warnings({ build: { context: ".", dockerfile: "Dockerfile" } }, dir);
    expect(rest).toEqual([]);
    expect(w.keyPath).toEqual(["build", "dockerfile"]);
    expect(w.message).toBe(
      `${path.join(dir, "Dockerfile")} builds FROM python:3.11-slim and installs model-compose with pip (line 12), as the Python model-compose's image did; this model-compose is one executable, not a Python package, so that image has no model-compose to run. Leave the Dockerfile out to use the default image (Debian slim, curl and this executable), or copy the executable into yours: ARG MC_DIR=. then COPY \${MC_DIR}/model-compose /usr/local/bin/model-compose (model-compose stages it in .docker/)`,
    );
  });

  test("pip install model-compose by name, with build: a directory", () => {
    const dir = project({ Dockerfile: "FROM python:3.11-slim\nRUN pip install model-compose\n" });
    expect(warnings({ build: "." }, dir)[0].keyPath).toEqual(["build"]);
  });

  test("a Python image that copies this executable in, or pip installs something else, is left alone", () => {
    const copies = project({
      Dockerfile:
        'FROM python:3.11-slim\nRUN pip install torch\nARG MC_DIR=.\nCOPY ${MC_DIR}/model-compose /usr/local/bin/model-compose\nCMD ["model-compose", "up"]\n',
    });
    expect(warnings({ build: { context: "." } }, copies)).toEqual([]);
    const other = project({ Dockerfile: "FROM python:3.11-slim\nRUN pip install torch\n" });
    expect(warnings({ build: { context: "." } }, other)).toEqual([]);
  });
});

test("loading puts each finding among the project's warnings, with file:line:col and key", async () => {
  const dir = project({
    "model-compose.yml": `controller:
  port: 8080
  runtime:
    type: docker
    command: [python, -m, mindor.cli.compose, up]
workflow:
  component: logger
`,
  });
  const registry = new PluginRegistry();
  registry.register(loggerPlugin);
  registry.register(dockerPlugin);
  const loaded = await loadProject({
    files: [path.join(dir, "model-compose.yml")],
    processEnv: {},
    registry,
  });
  expect(loaded.warnings).toHaveLength(1);
  expect(loaded.warnings[0]).toStartWith(
    `${path.join(dir, "model-compose.yml")}:5:14: controller.runtime.command: runs the Python model-compose`,
  );
});

describe("usesCurl", () => {
  test.each([
    [["CMD", "curl", "-f", "http://localhost:8080/health"], true],
    ["curl -f http://localhost:8080/health || exit 1", true],
    [["CMD-SHELL", "curl -fsS http://localhost:8080/health"], true],
    [["CMD", "/usr/bin/curl", "-f", "x"], true],
    [["CMD", "model-compose", "health"], false],
    ["wget -q -O- http://localhost:8080/health", false],
    [["NONE"], false],
    [undefined, false],
  ])("%p: %p", (test, expected) => {
    expect(usesCurl(test as never)).toBe(expected);
  });
});
