/**
 * The command-line grammar (commander): global options, one subcommand per command,
 * each importing its implementation only when it runs.
 */
import { Command, CommanderError, Option } from "commander";
import { versionLine } from "../version.ts";
import { collect, type GlobalOptions } from "./common.ts";
import { EXIT_CONFIG, reportError } from "./report.ts";

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("model-compose")
    .description("Run declarative AI workflows, or serve them as an HTTP API, natively or in Docker")
    .version(versionLine(), "-V, --version", "print the version")
    .option("-f, --file <file>", "compose file (repeatable; merged left to right)", collect)
    .option("--project-directory <dir>", "project directory (default: the first compose file's directory)")
    .option("--env-file <file>", "environment file (repeatable; later files win)", collect)
    .option(
      "-e, --env <KEY=VALUE>",
      "set an environment variable (repeatable; wins over every file)",
      collect,
    )
    .option("-v, --verbose", "debug logs and stack traces")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  program.configureOutput({ outputError: (str, write) => write(`error: ${str.replace(/^error: /, "")}`) });

  const globals = (cmd: Command) => cmd.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
  const lifecycle = (name: "up" | "down" | "start" | "stop") => async (_opts: unknown, cmd: Command) => {
    const { lifecycleCommand } = await import("./lifecycle-command.ts");
    setExit(await lifecycleCommand(name, globals(cmd)));
  };

  program
    .command("up")
    .description("start the controller (foreground; -d in the background)")
    .option("-d, --detach", "run in the background and return once healthy")
    .action(lifecycle("up"));
  program.command("down").description("stop the running controller and clean up").action(lifecycle("down"));
  program
    .command("start")
    .description("start an existing controller without re-creating it")
    .action(lifecycle("start"));
  program.command("stop").description("stop the controller without removing it").action(lifecycle("stop"));

  program
    .command("run")
    .description("run one workflow once and print its output as JSON")
    .argument("[workflow]", "workflow id (default: the default workflow)")
    .option("-i, --input <json>", "input as JSON, or @file.json")
    .option("-o, --output <file>", "write the output to a file instead of stdout")
    .action(async (workflow: string | undefined, _opts: unknown, cmd: Command) => {
      const { runCommand } = await import("./run-command.ts");
      setExit(await runCommand(workflow, globals(cmd)));
    });

  program
    .command("config")
    .description("print the merged, validated, env-resolved compose file")
    .addOption(new Option("--format <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .action(async (_opts: unknown, cmd: Command) => {
      const { configCommand } = await import("./config-command.ts");
      setExit(await configCommand(globals(cmd)));
    });
  program
    .command("health")
    .description("exit 0 if the controller's /health answers (for container health checks)")
    .option("--url <url>", "health URL (default: http://127.0.0.1:$MODEL_COMPOSE_PORT or 8080/health)")
    .option("--timeout <ms>", "how long to wait", "3000")
    .action(async (opts: { url?: string; timeout?: string }) => {
      const { healthCommand } = await import("./health-command.ts");
      setExit(await healthCommand(opts));
    });
  return program;
}

/** Parses `argv`, runs the command, and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? 0 : EXIT_CONFIG;
    }
    return reportError(error, argv.includes("-v") || argv.includes("--verbose"));
  }
}
