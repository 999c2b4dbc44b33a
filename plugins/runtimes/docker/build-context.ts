/**
 * The auto-built image's context, `.docker/` in the project: this model-compose
 * executable (compiled first when running from source), the project's compose file
 * rewritten for the container (native runtime, host 0.0.0.0, env bindings left
 * unresolved so no secret is baked in), the plugin files it references, and the
 * Dockerfile (the project's own `build.dockerfile`, or the default one).
 * A hash of everything staged tells whether the image must be rebuilt.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Project } from "../../../runtime/plugin-api.ts";
import {
  ConfigError,
  isCompiledBinary,
  printYaml,
  readComposeFiles,
  runtimeName,
} from "../../../runtime/plugin-api.ts";
import defaultDockerfile from "./Dockerfile.default" with { type: "text" };

export interface StagedContext {
  dir: string;
  /** Dockerfile path inside `dir`. */
  dockerfile: string;
  /** Changes whenever anything staged changes. */
  hash: string;
  /** The staged Dockerfile's text. */
  dockerfileText: string;
}

/** The executable to put in the image: this binary, or one compiled from source now. */
async function executable(stagingDir: string): Promise<string> {
  if (isCompiledBinary()) return process.execPath;
  if (process.platform !== "linux") {
    throw new ConfigError(
      "the docker runtime needs a Linux model-compose executable; run it from a Linux build or on Linux",
    );
  }
  if (runtimeName() !== "bun") {
    throw new ConfigError(
      "the docker runtime compiles model-compose with Bun for its image; run it with Bun (bun cli.ts) or the compiled binary",
    );
  }
  const { build } = await import("../../../scripts/build.ts");
  const target = process.arch === "arm64" ? "linux-arm64" : "linux-x64";
  const [out] = await build([target], path.join(stagingDir, ".build"), true);
  return out;
}

function isPathSpecifier(spec: string): boolean {
  return (
    spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/") || /\.[cm]?[jt]s$/.test(spec)
  );
}

/** The compose document as the container sees it. */
function containerCompose(project: Project): { yaml: string; plugins: Array<{ from: string; to: string }> } {
  const doc = readComposeFiles(project.files) as Record<string, unknown>;
  const controller = { ...((doc.controller as Record<string, unknown>) ?? {}) };
  delete controller.runtime;
  controller.host = "0.0.0.0";
  doc.controller = controller;
  const plugins: Array<{ from: string; to: string }> = [];
  if (Array.isArray(doc.plugins)) {
    doc.plugins = doc.plugins.map((spec: unknown, i: number) => {
      if (typeof spec !== "string" || !isPathSpecifier(spec)) return spec;
      const from = path.resolve(path.dirname(project.files[0]), spec);
      const to = `plugins/${i}-${path.basename(from)}`;
      plugins.push({ from, to });
      return `./${to}`;
    });
  }
  return { yaml: printYaml(doc), plugins };
}

/** Writes `content` to `file` only when it differs (keeps mtimes and caches stable). */
function writeIfChanged(file: string, content: string | Buffer): void {
  if (existsSync(file) && readFileSync(file).equals(Buffer.from(content))) return;
  writeFileSync(file, content);
}

export async function stageContext(project: Project, userDockerfile?: string): Promise<StagedContext> {
  const dir = path.join(project.projectDir, ".docker");
  mkdirSync(path.join(dir, "project"), { recursive: true });
  const hash = createHash("sha256");

  const exe = await executable(dir);
  const exeTarget = path.join(dir, "model-compose");
  const exeChanged =
    !existsSync(exeTarget) ||
    statSync(exeTarget).size !== statSync(exe).size ||
    !readFileSync(exeTarget).equals(readFileSync(exe));
  if (exeChanged) copyFileSync(exe, exeTarget);
  hash.update(readFileSync(exeTarget));

  const { yaml, plugins } = containerCompose(project);
  rmSync(path.join(dir, "project", "plugins"), { recursive: true, force: true });
  writeIfChanged(path.join(dir, "project", "model-compose.yml"), yaml);
  hash.update(yaml);
  for (const p of plugins) {
    if (!existsSync(p.from))
      throw new ConfigError(`plugin file ${p.from} does not exist`, undefined, ["plugins"]);
    mkdirSync(path.dirname(path.join(dir, "project", p.to)), { recursive: true });
    copyFileSync(p.from, path.join(dir, "project", p.to));
    hash.update(readFileSync(p.from));
  }

  let dockerfileText = defaultDockerfile;
  if (userDockerfile) {
    const abs = path.resolve(project.projectDir, userDockerfile);
    if (!existsSync(abs)) {
      throw new ConfigError(`Dockerfile ${abs} does not exist`, undefined, [
        "controller",
        "runtime",
        "build",
        "dockerfile",
      ]);
    }
    dockerfileText = readFileSync(abs, "utf8");
  }
  writeIfChanged(path.join(dir, "Dockerfile"), dockerfileText);
  writeIfChanged(path.join(dir, ".dockerignore"), ".build\n");
  hash.update(dockerfileText);
  return { dir, dockerfile: "Dockerfile", hash: hash.digest("hex").slice(0, 16), dockerfileText };
}
