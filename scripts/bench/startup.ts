// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Start-up benchmark: hyperfine (20+ runs) of the compiled binary's `--version` and of
 * `run` on a one-job logger workflow, against an empty compiled program measured in the
 * same run as the baseline, plus `run` from source. Writes the "Start-up" section of
 * docs/benchmarks.md.
 *
 *   bun scripts/bench/startup.ts [--runs 30]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { build } from "../build.ts";
import { replaceSection } from "./report.ts";

const ROOT = path.resolve(import.meta.dir, "../..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "30" } } });
const work = mkdtempSync(path.join(tmpdir(), "mc-bench-"));
// It will hold a compiled binary (~110 MB): removed however the script ends.
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

const target = `${process.platform === "darwin" ? "darwin" : "linux"}-${process.arch === "arm64" ? "arm64" : "x64"}`;
const [bin] = await build([target as "linux-x64"], work, true);

// The baseline: a compiled program that does nothing.
writeFileSync(path.join(work, "empty.ts"), "");
Bun.spawnSync([
  process.execPath,
  "build",
  "--compile",
  "--minify",
  path.join(work, "empty.ts"),
  "--outfile",
  path.join(work, "empty"),
]);

const compose = path.join(work, "model-compose.yml");
writeFileSync(compose, "workflow:\n  component: logger\n  input: ${input}\n");

const commands: Array<[string, string]> = [
  ["empty compiled program (baseline)", path.join(work, "empty")],
  ["bun empty.ts (baseline from source)", `${process.execPath} --no-env-file ${path.join(work, "empty.ts")}`],
  ["model-compose --version", `${bin} --version`],
  ["model-compose run (one logger job)", `${bin} run -f ${compose} -i '{"x":1}'`],
  [
    "bun cli.ts run (from source)",
    `${process.execPath} --no-env-file ${path.join(ROOT, "cli.ts")} run -f ${compose} -i '{"x":1}'`,
  ],
];
const json = path.join(work, "hyperfine.json");
const r = Bun.spawnSync(
  [
    "hyperfine",
    "-N",
    "--warmup",
    "3",
    "--runs",
    values.runs,
    "--export-json",
    json,
    ...commands.flatMap(([n, c]) => ["-n", n, c]),
  ],
  { stdout: "inherit", stderr: "inherit" },
);
if (r.exitCode !== 0) throw new Error("hyperfine failed (is it installed? apt-get install hyperfine)");
const results = JSON.parse(readFileSync(json, "utf8")).results as Array<{
  command: string;
  mean: number;
  stddev: number;
  median: number;
  min: number;
  max: number;
}>;
const base = results[0].mean;
const ms = (s: number) => (s * 1000).toFixed(1);
const rows = results.map(
  (x) =>
    `| ${x.command} | ${ms(x.mean)} ± ${ms(x.stddev)} | ${ms(x.median)} | ${ms(x.min)} … ${ms(x.max)} | ${(x.mean / base).toFixed(1)}× |`,
);
const section = [
  `Measured ${new Date().toISOString().slice(0, 10)} with hyperfine (${values.runs} runs, 3 warm-ups, no shell) on this machine (${navigator.hardwareConcurrency} cores), Bun ${Bun.version}, binary built with --minify --bytecode and ESM chunks.`,
  "",
  "| command | mean ms | median ms | min … max ms | vs baseline |",
  "|---|---|---|---|---|",
  ...rows,
  "",
  "From source, a `run` of a plain compose file loads no dependency but valibot: Bun's own\nYAML parser reads the file (the `yaml` package is loaded only for files outside the plain\nsubset, or when an error or warning needs a position), pino only when a line passes the\nlevel filter, dotenv only for env files, and the command line is node:util's `parseArgs`.\nWhat remains over the empty program is Bun transpiling and linking the ~55 project modules\non the way, which the compiled binary has as bytecode.",
].join("\n");
replaceSection(path.join(ROOT, "docs/benchmarks.md"), "Start-up", section);
console.log(`\n${section}`);
