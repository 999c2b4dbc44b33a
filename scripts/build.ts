/**
 * Compiles the single executable:
 * `bun scripts/build.ts [--targets linux-x64,darwin-arm64|all] [--outdir dist] [--no-bytecode]`.
 *
 * Entry points are laid out so the binary's embedded file system matches what the
 * code expects at run time (see scripts/build/): the CLI as the main program,
 * `/$bunfs/root/worker.js` (the threaded executor's worker module) and
 * `/$bunfs/root/entry/worker.js` (tinypool's thread entry, which tinypool looks up
 * next to the main program). Cross-compilation uses the Bun executables that Bun
 * publishes as npm packages (@oven/bun-<os>-<arch>), fetched once into a cache.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(import.meta.dir, "..");
const TARGETS = {
  "linux-x64": { bunTarget: "bun-linux-x64", npm: "@oven/bun-linux-x64" },
  "linux-arm64": { bunTarget: "bun-linux-arm64", npm: "@oven/bun-linux-aarch64" },
  "darwin-x64": { bunTarget: "bun-darwin-x64", npm: "@oven/bun-darwin-x64" },
  "darwin-arm64": { bunTarget: "bun-darwin-arm64", npm: "@oven/bun-darwin-aarch64" },
} as const;
type TargetName = keyof typeof TARGETS;

function hostTarget(): TargetName {
  const os = process.platform === "darwin" ? "darwin" : "linux";
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  return `${os}-${arch}`;
}

function run(cmd: string[], cwd = ROOT): string {
  const r = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) {
    throw new Error(
      `${cmd.join(" ")} failed (exit ${r.exitCode}):\n${r.stderr.toString()}${r.stdout.toString()}`,
    );
  }
  return r.stdout.toString().trim();
}

function gitCommit(): string {
  // Docker builds have no .git in their context; they pass the commit in.
  if (process.env.MODEL_COMPOSE_COMMIT) return process.env.MODEL_COMPOSE_COMMIT;
  try {
    return run(["git", "rev-parse", "--short=12", "HEAD"]);
  } catch {
    return "unknown";
  }
}

/** The Bun executable to embed for `target`: this one for the host, else from npm (cached). */
function bunExecutableFor(target: TargetName): string | undefined {
  if (target === hostTarget()) return undefined;
  const version = Bun.version;
  const pkg = TARGETS[target].npm;
  const cache = path.join(
    process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"),
    "model-compose",
    `bun-${version}`,
    target,
  );
  const exe = path.join(cache, "package", "bin", "bun");
  if (existsSync(exe)) return exe;
  mkdirSync(cache, { recursive: true });
  console.log(`fetching ${pkg}@${version} from the npm registry (once)`);
  const tarball = run(["npm", "pack", `${pkg}@${version}`, "--silent", "--pack-destination", cache], cache)
    .split("\n")
    .pop()!;
  run(["tar", "-xzf", path.join(cache, tarball), "-C", cache]);
  if (!existsSync(exe)) throw new Error(`${pkg}@${version} has no bin/bun`);
  return exe;
}

export async function build(targets: TargetName[], outdir: string, bytecode: boolean): Promise<string[]> {
  mkdirSync(outdir, { recursive: true });
  const commit = gitCommit();
  const outputs: string[] = [];
  for (const target of targets) {
    const outfile = path.join(outdir, `model-compose-${target}`);
    const exe = bunExecutableFor(target);
    const args = [
      process.execPath,
      "build",
      "--compile",
      "--minify",
      // ESM chunks: a command loads only what it imports (`--version` needs no HTTP
      // server, no Docker client); bytecode spares the parse at every start.
      "--format=esm",
      "--splitting",
      ...(bytecode ? ["--bytecode"] : []),
      `--target=${TARGETS[target].bunTarget}`,
      // The compose file's .env and the user's bunfig must not change the binary's behaviour.
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      `--define=MODEL_COMPOSE_COMMIT=${JSON.stringify(commit)}`,
      // ssh2 (under dockerode) tries this optional native module inside try/catch; when
      // it is installed, its .node file cannot be bundled, and nothing here needs it.
      "--external=cpu-features",
      ...(exe ? [`--compile-executable-path=${exe}`] : []),
      `--outfile=${outfile}`,
      "scripts/build/cli-entry.ts",
      "scripts/build/worker.ts",
      "scripts/build/entry/worker.ts",
    ];
    const t0 = performance.now();
    run(args);
    const digest = createHash("sha256").update(readFileSync(outfile)).digest("hex");
    writeFileSync(`${outfile}.sha256`, `${digest}  ${path.basename(outfile)}\n`);
    const mb = (readFileSync(outfile).length / 1024 / 1024).toFixed(1);
    console.log(`built ${path.relative(ROOT, outfile)} (${mb} MB, ${Math.round(performance.now() - t0)} ms)`);
    outputs.push(outfile);
  }
  return outputs;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      targets: { type: "string", default: hostTarget() },
      outdir: { type: "string", default: path.join(ROOT, "dist") },
      bytecode: { type: "boolean", default: true },
    },
  });
  const names =
    values.targets === "all"
      ? (Object.keys(TARGETS) as TargetName[])
      : (values.targets.split(",") as TargetName[]);
  for (const n of names) {
    if (!(n in TARGETS)) {
      console.error(`unknown target "${n}" (targets: ${Object.keys(TARGETS).join(", ")}, all)`);
      process.exit(2);
    }
  }
  await build(names, path.resolve(values.outdir), values.bytecode);
}
