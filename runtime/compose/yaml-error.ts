/**
 * The first YAML syntax error of a file, said for someone writing a compose file: the
 * `yaml` package's wording, except where it names its own API or points at the wrong
 * place (an unclosed quote is reported where the file ends, not where the quote opens).
 */
import type { YAMLError } from "yaml";
import { LOAD_LIMITS } from "./load-limits.ts";

type YamlModule = typeof import("yaml");

export interface YamlSyntaxProblem {
  reason: string;
  /** Character offset in the text the problem is reported at. */
  offset: number;
}

export function describeYamlError(
  error: YAMLError,
  text: string,
  yaml: YamlModule,
  maxDepth: number,
): YamlSyntaxProblem {
  const offset = error.pos[0];
  if (/Maximum call stack size exceeded/i.test(error.message)) {
    // The parser recursed out of stack: thousands of nested maps or lists.
    return {
      reason: `the text is nested too deeply to be read; maps and lists may nest at most ${maxDepth} levels (${LOAD_LIMITS.maxDepth.env})`,
      offset,
    };
  }
  if (error.code === "MULTIPLE_DOCS") {
    return {
      reason:
        "a compose file holds one YAML document, but a second one starts here; put each in its own file and choose with -f",
      offset,
    };
  }
  if (error.code === "MISSING_CHAR" && /quote/.test(error.message)) {
    const opened = unclosedQuoteAt(text, offset, yaml);
    if (opened !== undefined) {
      const quote = text[opened];
      return { reason: `the string opened with ${quote} here is never closed`, offset: opened };
    }
  }
  return { reason: error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, ""), offset };
}

/** Where the quoted scalar that runs on to `end` (the point the parser gave up) starts. */
function unclosedQuoteAt(text: string, end: number, yaml: YamlModule): number | undefined {
  let found: number | undefined;
  const visit = (token: unknown): void => {
    if (found !== undefined || token === null || typeof token !== "object") return;
    if (Array.isArray(token)) {
      for (const item of token) visit(item);
      return;
    }
    const { type, offset, source } = token as { type?: string; offset?: number; source?: string };
    if (
      (type === "double-quoted-scalar" || type === "single-quoted-scalar") &&
      typeof offset === "number" &&
      typeof source === "string" &&
      offset <= end &&
      end <= offset + source.length
    ) {
      found = offset;
      return;
    }
    for (const value of Object.values(token)) if (typeof value === "object") visit(value);
  };
  for (const token of new yaml.Parser().parse(text)) visit(token);
  return found;
}
