/**
 * Examples written for the Python model-compose assume its image: Python, its `mindor`
 * package, `requests`. This model-compose is one executable and its image has none of
 * them, so such options are valid and still cannot work. Loading says so, naming the
 * option and what to write instead (docs/compose-file.md, "Coming from the Python
 * model-compose").
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import type { RuntimeCheckContext, RuntimeWarning } from "../../../runtime/plugin-api.ts";
import { instructions } from "./dockerfile-bases.ts";
import type { DockerRuntimeOptions } from "./options.ts";
import { splitCommand } from "./values.ts";

const PYTHON = /^(?:\S*\/)?python(?:3(?:\.\d+)?)?$/;
const PYTHON_PACKAGE = /\b(?:model-compose|model_compose|mindor)\b/i;

/** The words of a command as written (a string is split like a shell would). */
function words(command: string | readonly string[]): string[] {
  try {
    return splitCommand(command);
  } catch {
    return typeof command === "string" ? command.trim().split(/\s+/) : [...command];
  }
}

const quoteList = (items: readonly string[]) => `[${items.map((w) => JSON.stringify(w)).join(", ")}]`;

/** `command`/`entrypoint` running `python -m mindor.cli.compose ...`. */
function pythonCompose(
  key: "command" | "entrypoint",
  value: string | readonly string[] | undefined,
): RuntimeWarning | undefined {
  if (value === undefined) return undefined;
  const w = words(value);
  const module = w.findIndex((word) => word.startsWith("mindor."));
  if (!PYTHON.test(w[0] ?? "") || module < 0) return undefined;
  const args = w.slice(module + 1);
  const instead = quoteList(["model-compose", ...(args.length ? args : ["up"])]);
  const omit =
    key === "command"
      ? "or leave command out: the image already runs model-compose up"
      : "or leave entrypoint out";
  return {
    keyPath: [key],
    message: `runs the Python model-compose (${w.slice(0, module + 1).join(" ")}), which this image does not have: here model-compose is one executable, /usr/local/bin/model-compose; write ${key}: ${instead}, ${omit}`,
  };
}

/** A healthcheck test that calls Python (`python -c 'import requests; ...'`). */
function pythonHealthcheck(
  test: string | readonly string[] | undefined,
  port: number,
): RuntimeWarning | undefined {
  if (test === undefined) return undefined;
  const command = typeof test === "string" ? test : test[0] === "NONE" ? "" : test.slice(1).join(" ");
  const python = /(?:^|[\s;&|(`])((?:\S*\/)?python(?:3(?:\.\d+)?)?\s+-c\b)/.exec(command);
  const program = typeof test === "string" || test[0] === "CMD-SHELL" ? undefined : test[1];
  if (!python && !(program && PYTHON.test(program))) return undefined;
  const what = /import\s+requests/.test(command) ? "python -c 'import requests…'" : "python";
  return {
    keyPath: ["healthcheck", "test"],
    message: `calls Python (${what}), which this image does not have, so the container would never become healthy; write test: ["CMD", "model-compose", "health"] (it asks the controller's /health and needs nothing else), or test: ["CMD", "curl", "-f", "http://localhost:${port}/health"]`,
  };
}

/** Where the project's own Dockerfile is, and the option that names it. */
function userDockerfile(
  options: DockerRuntimeOptions,
  projectDir: string,
): { file: string; keyPath: string[] } | undefined {
  const expand = (p: string) => (p === "~" || p.startsWith("~/") ? homedir() + p.slice(1) : p);
  if (typeof options.build === "string") {
    return { file: path.resolve(projectDir, expand(options.build), "Dockerfile"), keyPath: ["build"] };
  }
  const build = options.build;
  if (!build) return undefined;
  if (build.context === undefined) {
    // The staged context: `dockerfile` is relative to the project.
    return build.dockerfile
      ? { file: path.resolve(projectDir, build.dockerfile), keyPath: ["build", "dockerfile"] }
      : undefined;
  }
  const context = path.resolve(projectDir, expand(build.context));
  return {
    file: path.resolve(context, build.dockerfile ?? "Dockerfile"),
    keyPath: build.dockerfile ? ["build", "dockerfile"] : ["build", "context"],
  };
}

/**
 * A Dockerfile FROM a Python image that installs model-compose with pip (directly, or
 * through a requirements file that names it, or to run `model-compose` it never copies in).
 */
function pythonDockerfile(options: DockerRuntimeOptions, projectDir: string): RuntimeWarning | undefined {
  const where = userDockerfile(options, projectDir);
  if (!where || !existsSync(where.file)) return undefined;
  let text: string;
  try {
    text = readFileSync(where.file, "utf8");
  } catch {
    return undefined; // `up` reports an unreadable Dockerfile
  }
  const steps = instructions(text);
  const from = steps.find(
    (s) => s.keyword === "FROM" && /^(?:--\S+\s+)*(?:\S*\/)?python(?::|@|\s|$)/.test(s.args),
  );
  const pip = steps.find((s) => s.keyword === "RUN" && /\bpip3?\s+install\b/.test(s.args));
  if (!from || !pip) return undefined;
  const copiesExecutable = steps.some(
    (s) => (s.keyword === "COPY" || s.keyword === "ADD") && /(?:^|[\s/}])model-compose\s+\S/.test(s.args),
  );
  if (copiesExecutable) return undefined;
  const requirements = [...pip.args.matchAll(/(?:^|\s)(?:-r|--requirement)\s+(\S+)/g)].some((m) => {
    const file = path.resolve(path.dirname(where.file), m[1]);
    try {
      return PYTHON_PACKAGE.test(readFileSync(file, "utf8"));
    } catch {
      return false;
    }
  });
  const runsIt = steps.some(
    (s) => (s.keyword === "CMD" || s.keyword === "ENTRYPOINT") && /(?:^|[\s["/])model-compose\b/.test(s.args),
  );
  if (!PYTHON_PACKAGE.test(pip.args) && !requirements && !runsIt) return undefined;
  const image = from.args.replace(/^(?:--\S+\s+)*/, "").split(/\s+/)[0];
  return {
    keyPath: where.keyPath,
    message: `${where.file} builds FROM ${image} and installs model-compose with pip (line ${pip.line}), as the Python model-compose's image did; this model-compose is one executable, not a Python package, so that image has no model-compose to run. Leave the Dockerfile out to use the default image (Debian slim, curl and this executable), or copy the executable into yours: ARG MC_DIR=. then COPY \${MC_DIR}/model-compose /usr/local/bin/model-compose (model-compose stages it in .docker/)`,
  };
}

/** The load-time warnings of the docker runtime's options. */
export function pythonOriginalWarnings(
  options: DockerRuntimeOptions,
  context: RuntimeCheckContext,
): RuntimeWarning[] {
  return [
    pythonCompose("command", options.command),
    pythonCompose("entrypoint", options.entrypoint),
    pythonHealthcheck(options.healthcheck?.test, context.controller.port),
    pythonDockerfile(options, context.projectDir),
  ].filter((w): w is RuntimeWarning => w !== undefined);
}
