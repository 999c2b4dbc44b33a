/** Writes one `## <title>` section of a markdown report, replacing the old one. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export function replaceSection(file: string, title: string, body: string): void {
  const text = existsSync(file)
    ? readFileSync(file, "utf8")
    : "# Benchmarks\n\nFigures from scripts/bench/; each section is rewritten by its script.\n";
  const heading = `## ${title}`;
  const start = text.indexOf(heading);
  const block = `${heading}\n\n${body.trim()}\n`;
  if (start < 0) {
    writeFileSync(file, `${text.trimEnd()}\n\n${block}`);
    return;
  }
  const next = text.indexOf("\n## ", start + heading.length);
  writeFileSync(file, `${text.slice(0, start)}${block}${next < 0 ? "" : text.slice(next)}`);
}
