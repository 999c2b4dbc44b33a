/**
 * The benchmark suite's smoke mode end to end, so it cannot rot: `bun run bench --smoke`
 * completes, writes a well-formed report and chart to the file it is given, and leaves
 * the committed docs/benchmarks.md alone. No figure is asserted.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(import.meta.dir, "../..");

test("bun run bench --smoke writes a report and a chart to a temporary file", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mc-bench-smoke-test-"));
  const committed = path.join(ROOT, "docs/benchmarks.md");
  const before = readFileSync(committed, "utf8");
  try {
    const out = path.join(dir, "report.md");
    const proc = Bun.spawn(["bun", "run", "bench", "--smoke", "--out", out], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("| group | measure |");
    const report = readFileSync(out, "utf8");
    expect(report).toContain("## Suite");
    expect(report).toMatch(/- machine: \d+ cores .*GB memory/);
    expect(report).toMatch(/- versions: Bun \S+, model-compose commit \S+/);
    expect(report).toContain("load average");
    for (const group of ["start-up", "engine", "loading", "bindings", "controller", "memory"])
      expect(report).toContain(`| ${group} |`);
    // A measure that runs a controller in the suite's own process, with a figure, not "unavailable".
    expect(report).toMatch(
      /\| engine \| a waited run of \d+ http-client jobs through the controller [^|]*\| \d[\d.]* µs/,
    );
    expect(report).toContain("![requests/second and p99 latency against concurrency](report.svg)");
    const svg = readFileSync(path.join(dir, "report.svg"), "utf8");
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("<polyline");
    expect(readFileSync(committed, "utf8")).toBe(before);
    expect(existsSync(path.join(ROOT, "docs/report.svg"))).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 240_000);
