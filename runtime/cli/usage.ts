/**
 * The `--help` texts: the program's (options and commands) and each command's (its
 * arguments, its options, and the global options it also accepts), in two columns
 * wrapped to 80 characters.
 */
import { type CommandSpec, flagsOf, globalsAfter, HELP, type OptionSpec } from "./args.ts";

export interface ProgramSpec {
  name: string;
  description: string;
  /** Accepted before and after the command. */
  options: readonly OptionSpec[];
  commands: readonly CommandSpec[];
}

type Rows = Array<[string, string]>;

const WIDTH = 80;

export function programHelp(program: ProgramSpec): string {
  return layout(`Usage: ${program.name} [options] [command]`, program.description, [
    ["Options:", [...program.options, HELP].map(optionRow)],
    ["Commands:", program.commands.map((c) => [commandTitle(c), c.description])],
  ]);
}

export function commandHelp(program: ProgramSpec, command: CommandSpec): string {
  return layout(`Usage: ${program.name} ${commandTitle(command, true)}`, command.description, [
    ["Arguments:", (command.args ?? []).map((a) => [a.name, a.description])],
    ["Options:", [...(command.options ?? []), HELP].map(optionRow)],
    ["Global options:", globalsAfter(program.options, command.options).map(optionRow)],
  ]);
}

function commandTitle(command: CommandSpec, withOptions = false): string {
  const options = withOptions || command.options?.length ? " [options]" : "";
  return `${command.name}${options}${(command.args ?? []).map((a) => ` [${a.name}]`).join("")}`;
}

function optionRow(spec: OptionSpec): [string, string] {
  const extra: string[] = [];
  if (spec.choices) extra.push(`choices: ${spec.choices.map((c) => JSON.stringify(c)).join(", ")}`);
  if (spec.default !== undefined) extra.push(`default: ${JSON.stringify(spec.default)}`);
  return [flagsOf(spec), extra.length ? `${spec.description} (${extra.join(", ")})` : spec.description];
}

/** Titled two-column sections (empty ones left out), all aligned on one column. */
function layout(usage: string, description: string, sections: Array<[string, Rows]>): string {
  const filled = sections.filter(([, rows]) => rows.length > 0);
  const left = Math.max(...filled.flatMap(([, rows]) => rows.map(([term]) => term.length))) + 2;
  const parts = [usage, wrap(description, WIDTH).join("\n")];
  for (const [title, rows] of filled) {
    const lines = [title];
    for (const [term, text] of rows) {
      const [first, ...rest] = wrap(text, Math.max(WIDTH - 2 - left, 30));
      lines.push(`  ${term.padEnd(left)}${first}`);
      for (const line of rest) lines.push(`  ${" ".repeat(left)}${line}`);
    }
    parts.push(lines.join("\n"));
  }
  return parts.join("\n\n");
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines;
}
