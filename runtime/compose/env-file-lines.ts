/**
 * dotenv skips a line it cannot read without a word, so a typo in an env file (`API KEY=x`,
 * a stray word, a missing `=`) would quietly leave a variable unset. This finds the first
 * such line, so it can be reported with its file and line like any configuration error.
 *
 * Lines dotenv reads: blank lines, `# comments`, `KEY=value` / `export KEY=value` /
 * `KEY: value`, and the continuation lines of a quoted value that spans several lines.
 */
import { ConfigError } from "../errors.ts";

const NAME = String.raw`[\w.-]+`;
/** A variable name as dotenv reads it; `-e NAME=value` takes the same names. */
export const ENV_NAME = new RegExp(`^${NAME}$`);
const ASSIGNMENT = new RegExp(String.raw`^\s*(?:export\s+)?${NAME}(?:\s*=|:\s)(.*)$`);
const QUOTES = new Set(['"', "'", "`"]);

export function checkEnvFileLines(text: string, file: string): void {
  const lines = text.split(/\r?\n/);
  // The quote of a value still open at the end of the previous line.
  let open: string | undefined;
  lines.forEach((line, i) => {
    if (open !== undefined) {
      if (closingQuote(line, open) >= 0) open = undefined;
      return;
    }
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const match = ASSIGNMENT.exec(line);
    if (!match) {
      throw new ConfigError(`expected KEY=VALUE, found ${JSON.stringify(trimmed)}`, {
        file,
        line: i + 1,
        column: line.length - line.trimStart().length + 1,
      });
    }
    const value = match[1].trimStart();
    if (QUOTES.has(value[0]) && closingQuote(value.slice(1), value[0]) < 0) open = value[0];
  });
}

/** Index of the first `quote` in `text` that no backslash escapes, or -1. */
function closingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}
