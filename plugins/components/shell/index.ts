/**
 * `shell`: runs a command. A string command runs through `sh -c` with every `${...}`
 * passed as data (placeholders.ts); a list is executed directly, one argument per item.
 * The command's process and everything it started end with it (execute.ts).
 */
import { statSync } from "node:fs";
import * as path from "node:path";
import * as v from "valibot";
import { BindingView } from "../../../runtime/binding/view.ts";
import { RUN_ID_VAR } from "../../../runtime/controller/left-processes.ts";
import { definePlugin } from "../../../runtime/plugins.ts";
import { Duration, describeValue, Flag, Size, strictMap, Text } from "../../../runtime/schema-kit.ts";
import { execute } from "./execute.ts";
import { checkStringSize, passValues } from "./large-values.ts";
import {
  bindPlaceholders,
  checkValues,
  placeholderQuoter,
  type Substitution,
  valueText,
} from "./placeholders.ts";
import { MARK } from "./uses.ts";

const Scalar = v.union([v.string(), v.number(), v.boolean()]);

/** Output kept per stream; more is counted, dropped and said in a last line. */
const MAX_CAPTURE = 16 * 1024 * 1024;
/** How long processes get after SIGTERM before SIGKILL (a Duration: a bare number is seconds). */
const KILL_GRACE = "2s";
const LARGE_DATA = "pass large data with stdin:";

const ShellSchema = strictMap({
  command: v.union(
    [Text, v.pipe(v.array(Scalar), v.minLength(1, "expected at least the program name"))],
    (i) =>
      `expected a command string or a list of arguments (strings, numbers or true/false), found ${describeValue(i.input)}`,
  ),
  working_dir: v.optional(Text),
  env: v.optional(v.record(v.string(), Scalar)),
  /** Written to the command's standard input: text as it is, lists and maps as JSON. */
  stdin: v.optional(v.unknown()),
  timeout: v.optional(Duration),
  allow_failure: v.optional(Flag, false),
  shell: v.optional(Text, "sh"),
  max_stdout_size: v.optional(Size, MAX_CAPTURE),
  max_stderr_size: v.optional(Size, MAX_CAPTURE),
  /** How long the processes of an ending job get between SIGTERM and SIGKILL. */
  kill_grace: v.optional(Duration, KILL_GRACE),
});

export default definePlugin({
  name: "shell",
  components: [
    {
      type: "shell",
      description: "Runs a shell command or a program",
      schema: ShellSchema,
      resultVariables: ["stdout", "stderr", "exit_code", "result"],
      resultFields: { result: ["stdout", "stderr", "exit_code"] },
      deferredFields: ["command"],
      pathFields: ["working_dir"],
      create: () => ({
        async run(config, _input, ctx) {
          const values: Substitution[] = [];
          const own: Record<string, string> = {};
          for (const [k, val] of Object.entries(config.env ?? {})) {
            own[k] = valueText(val, undefined);
            checkStringSize(`env ${k}`, `${k}=${own[k]}`, LARGE_DATA);
          }
          let argv: string[];
          let passed = passValues([]);
          if (Array.isArray(config.command)) {
            const items = ctx.renderDeferred("command", {
              quote: (value, expression) => valueText(value, expression),
            });
            argv = (items as unknown[]).map((a) => valueText(a, undefined));
            argv.forEach((a, i) => {
              checkStringSize(`command[${i}]`, a, LARGE_DATA);
            });
          } else {
            const text = String(ctx.renderDeferred("command", { quote: placeholderQuoter(values) }));
            let script = text;
            // The scan finds where substituted values and `env:` values land in the code;
            // a command with neither has nothing to check, and the scan would return it as
            // it is (placeholders.test.ts). Skipping it saves a cold job half a millisecond.
            if (text.includes(MARK) || Object.keys(own).length > 0) {
              const bound = bindPlaceholders(text, values);
              checkValues(bound, values, own);
              passed = passValues(values);
              script = passed.prelude + bound.script;
            }
            checkStringSize("the command", script, "a value is never part of it: shorten the command itself");
            argv = [config.shell, "-c", script];
          }
          const cwd = config.working_dir ? path.resolve(ctx.projectDir, config.working_dir) : ctx.projectDir;
          let result: Awaited<ReturnType<typeof execute>>;
          try {
            checkWorkingDir(cwd);
            result = await execute({
              argv,
              cwd,
              // The run id, so a controller recovering from a crash can end what the run left.
              env: { ...ctx.env, ...own, ...passed.env, [RUN_ID_VAR]: ctx.runId },
              signal: ctx.signal,
              timeoutMs: config.timeout,
              stdin: config.stdin === undefined ? undefined : stdinText(config.stdin),
              maxStdout: config.max_stdout_size,
              maxStderr: config.max_stderr_size,
              graceMs: config.kill_grace,
              onOutput: ctx.output,
            });
          } finally {
            passed.cleanup();
          }
          if (result.stdout.truncated || result.stderr.truncated) {
            for (const c of [result.stdout, result.stderr]) {
              if (c.truncated) {
                ctx.logger.warn(
                  `${c.stream} cut: the command wrote ${c.total} bytes, the first ${c.limit} were kept (${c.option})`,
                );
              }
            }
          }
          const stdout = result.stdout.text();
          const stderr = result.stderr.text();
          // Upstream's shape of a shell result: stdout and stderr stripped, as it gives them.
          const upstream = { stdout: stdout.trim(), stderr: stderr.trim(), exit_code: result.exitCode };
          // `${result}` (and the natural output) is stdout; `.stdout`, `.stderr`, `.exit_code`
          // of it read upstream's fields, so `${output.stdout}` on a job works as upstream's does.
          const whole = new BindingView(
            (key) => (Object.hasOwn(upstream, key) ? upstream[key as keyof typeof upstream] : undefined),
            () => Object.keys(upstream),
            stdout,
          );
          const variables = { stdout, stderr, exit_code: result.exitCode, result: whole };
          if (result.timedOut) throw new Error(`command timed out after ${config.timeout} ms and was killed`);
          if (result.exitCode !== 0 && !config.allow_failure) {
            const tail = stderr.trim().split("\n").slice(-3).join(" | ");
            throw new Error(`command exited with code ${result.exitCode}${tail ? `: ${tail}` : ""}`);
          }
          return { output: whole, variables };
        },
      }),
    },
  ],
});

/** `stdin:` as text: a string as it is, null as nothing, lists and maps as JSON. */
function stdinText(value: unknown): string {
  if (value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Said before spawning: a missing directory would otherwise surface as "cannot start sh: ENOENT". */
function checkWorkingDir(dir: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new Error(`working_dir ${dir} does not exist`);
  }
  if (!isDirectory) throw new Error(`working_dir ${dir} is not a directory`);
}
