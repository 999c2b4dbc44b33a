/**
 * The command-line grammar: global options (accepted before and after the command), one
 * subcommand per command, each importing its implementation only when it runs.
 */
import type { Composition } from "../composition.ts";
import { closest } from "../errors.ts";
import { versionLine } from "../version.ts";
import {
  type CommandSpec,
  globalsAfter,
  HELP,
  keyOf,
  type OptionValues,
  parseSection,
  UsageError,
} from "./args.ts";
import { GLOBAL_OPTIONS, type GlobalOptions } from "./global-options.ts";
import { EXIT_CONFIG, reportError } from "./report.ts";
import { writeStderr, writeStdout } from "./stdio.ts";
import { commandHelp, type ProgramSpec, programHelp } from "./usage.ts";

type Options = GlobalOptions & Record<string, unknown>;

function lifecycle(name: "up" | "down" | "start" | "stop") {
  return async (values: OptionValues, _positionals: string[], composition: Composition) => {
    const { lifecycleCommand } = await import("./lifecycle-command.ts");
    return lifecycleCommand(name, values as Options, composition);
  };
}

const COMMANDS: CommandSpec[] = [
  {
    name: "up",
    description: "start the controller (foreground; -d in the background)",
    options: [
      { long: "detach", short: "d", description: "run in the background and return once healthy" },
      {
        long: "force-recreate",
        description: "replace the running controller (or container) even if nothing changed",
      },
    ],
    run: lifecycle("up"),
  },
  {
    name: "down",
    description: "stop the running controller and clean up",
    options: [
      {
        long: "volumes",
        short: "v",
        description: "also remove the docker runtime's state volume (the run history)",
      },
    ],
    run: lifecycle("down"),
  },
  {
    name: "start",
    description: "start an existing controller without re-creating it",
    run: lifecycle("start"),
  },
  { name: "stop", description: "stop the controller without removing it", run: lifecycle("stop") },
  {
    name: "run",
    description: "run one workflow once and print its output as JSON",
    args: [{ name: "workflow", description: "workflow id (default: the default workflow)" }],
    options: [
      {
        long: "input",
        short: "i",
        value: "json",
        description: "input as JSON, @file.json, or @- to read it from stdin",
      },
      {
        long: "output",
        short: "o",
        value: "file",
        description: "write the output to a file instead of stdout",
      },
      {
        long: "progress",
        value: "mode",
        choices: ["plain", "tty", "none"],
        description:
          "progress on stderr: tty (a live job list), plain (a line per change) or none; default: tty on a terminal, else none",
      },
    ],
    run: async (values, [workflow], composition) => {
      const { runCommand } = await import("./run-command.ts");
      return runCommand(workflow, values as Options, composition);
    },
  },
  {
    name: "config",
    description: "print the merged, validated, env-resolved compose file",
    options: [
      {
        long: "format",
        value: "format",
        choices: ["yaml", "json"],
        default: "yaml",
        description: "output format",
      },
    ],
    run: async (values, _positionals, composition) => {
      const { configCommand } = await import("./config-command.ts");
      return configCommand(values as Options, composition);
    },
  },
  {
    name: "runs",
    description: "list the running controller's runs (runs show ID: one run with its jobs)",
    args: [
      { name: "action", description: "show" },
      { name: "id", description: "task id (with show)" },
    ],
    options: [
      { long: "workflow", value: "id", description: "only runs of this workflow" },
      { long: "status", value: "status", description: "only runs in this status (comma-separated)" },
      { long: "limit", value: "n", description: "at most this many runs (default 20)" },
      { long: "json", description: "print JSON (the default when stdout is not a terminal)" },
      {
        long: "url",
        value: "url",
        description: "the controller's API URL (default: from the project's state file)",
      },
    ],
    run: async (values, [action, id], composition) => {
      const { runsCommand } = await import("./runs-command.ts");
      return runsCommand(action, id, values as Options, composition);
    },
  },
  {
    name: "health",
    description: "exit 0 if the controller's /health answers (for container health checks)",
    options: [
      {
        long: "url",
        value: "url",
        description: "health URL (default: http://127.0.0.1:$MODEL_COMPOSE_PORT or 8080/health)",
      },
      { long: "timeout", value: "ms", default: "3000", description: "how long to wait" },
    ],
    run: async (values) => {
      const { healthCommand } = await import("./health-command.ts");
      return healthCommand(values as { url?: string; timeout?: string });
    },
  },
  {
    name: "help",
    description: "display help for command",
    args: [{ name: "command", description: "the command to describe" }],
    run: async (_values, [name]) => {
      writeStdout(`${name === undefined ? programHelp(PROGRAM) : commandHelp(PROGRAM, findCommand(name))}\n`);
      return 0;
    },
  },
];

const PROGRAM: ProgramSpec = {
  name: "model-compose",
  description: "Run declarative AI workflows, or serve them as an HTTP API, natively or in Docker",
  options: GLOBAL_OPTIONS,
  commands: COMMANDS,
};

function unknownCommand(name: string): UsageError {
  const hint = closest(
    name,
    COMMANDS.map((c) => c.name),
  );
  return new UsageError(`unknown command '${name}'${hint ? ` (did you mean '${hint}'?)` : ""}`);
}

function findCommand(name: string): CommandSpec {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw unknownCommand(name);
  return command;
}

/** What the words on the command line ask for. */
type Invocation =
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "missing-command" }
  | { kind: "command"; command: CommandSpec; values: OptionValues; positionals: string[] };

/**
 * Global options up to the first positional (the command), then the command's and the
 * global options together. A help or version flag wins over any other mistake.
 */
function interpret(argv: string[]): Invocation {
  const values: OptionValues = {};
  const head = parseSection(argv, [...GLOBAL_OPTIONS, HELP], values, true);
  if (head.stop === undefined) {
    if (head.help) return { kind: "help", text: programHelp(PROGRAM) };
    if (head.version) return { kind: "version" };
    if (head.error) throw head.error;
    return { kind: "missing-command" };
  }
  // The command's name decides which options follow, so it is looked up before a mistake
  // among the global options is reported: `run --help` after a typo still shows help.
  // An unknown "command" right after an unknown option is more likely that option's value.
  const command = COMMANDS.find((c) => c.name === argv[head.stop!]);
  if (!command) throw head.error ?? unknownCommand(argv[head.stop]);
  // After the command its own short options win (`-v` before the command is --verbose).
  const globals = globalsAfter(GLOBAL_OPTIONS, command.options);
  const options = [...globals, HELP, ...(command.options ?? [])];
  const tail = parseSection(argv.slice(head.stop + 1), options, values);
  if (head.help || tail.help) return { kind: "help", text: commandHelp(PROGRAM, command) };
  if (head.version || tail.version) return { kind: "version" };
  if (head.error) throw head.error;
  if (tail.error) throw tail.error;
  const expected = command.args?.length ?? 0;
  if (tail.positionals.length > expected) {
    throw new UsageError(
      `too many arguments for '${command.name}'. Expected ${expected} argument${expected === 1 ? "" : "s"} but got ${tail.positionals.length}: ${tail.positionals.join(", ")}.`,
    );
  }
  for (const spec of command.options ?? []) {
    if (spec.default !== undefined) values[keyOf(spec)] ??= spec.default;
  }
  return { kind: "command", command, values, positionals: tail.positionals };
}

function reportUsageError(error: UsageError): number {
  writeStderr(`error: ${error.message}\n(run with --help for usage)\n`);
  return EXIT_CONFIG;
}

/** Parses `argv`, runs the command with the program's plugins, and returns the exit code. */
export async function runCli(argv: string[], composition: Composition): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = interpret(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return reportUsageError(error);
  }
  switch (invocation.kind) {
    case "help":
      writeStdout(`${invocation.text}\n`);
      return 0;
    case "version":
      writeStdout(`${versionLine()}\n`);
      return 0;
    case "missing-command":
      // stdout stays clean: a script that forgot the command gets the help as an error.
      writeStderr(`${programHelp(PROGRAM)}\n`);
      return EXIT_CONFIG;
  }
  const { command, values, positionals } = invocation;
  try {
    return await command.run(values, positionals, composition);
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(error);
    return reportError(error, values.verbose === true);
  }
}
