/**
 * `shell`: runs a command. A string command runs through `sh -c` with every `${...}`
 * passed as data (placeholders.ts); a list is executed directly, one argument per item.
 * A timeout or cancellation kills the whole process group, children included.
 */
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { constants } from "node:os";
import * as path from "node:path";
import * as v from "valibot";
import { BindingView } from "../../../runtime/binding/view.ts";
import { definePlugin } from "../../../runtime/plugins.ts";
import { Duration, describeValue, Flag, strictMap, Text } from "../../../runtime/schema-kit.ts";
import {
  bindPlaceholders,
  checkValues,
  placeholderQuoter,
  type Substitution,
  valueText,
} from "./placeholders.ts";

const Scalar = v.union([v.string(), v.number(), v.boolean()]);

export const ShellSchema = strictMap({
  command: v.union(
    [Text, v.pipe(v.array(Scalar), v.minLength(1, "expected at least the program name"))],
    (i) =>
      `expected a command string or a list of arguments (strings, numbers or true/false), found ${describeValue(i.input)}`,
  ),
  working_dir: v.optional(Text),
  env: v.optional(v.record(v.string(), Scalar)),
  timeout: v.optional(Duration),
  allow_failure: v.optional(Flag, false),
  shell: v.optional(Text, "sh"),
});

/** Output larger than this is cut (and says so) to keep memory bounded. */
const MAX_CAPTURE = 16 * 1024 * 1024;
const KILL_GRACE_MS = 2000;

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
          for (const [k, val] of Object.entries(config.env ?? {})) own[k] = String(val);
          let argv: string[];
          if (Array.isArray(config.command)) {
            const items = ctx.renderDeferred("command", {
              quote: (value, expression) => valueText(value, expression),
            });
            argv = (items as unknown[]).map((a) => valueText(a, undefined));
          } else {
            const text = String(ctx.renderDeferred("command", { quote: placeholderQuoter(values) }));
            const bound = bindPlaceholders(text, values);
            checkValues(bound, values, own);
            argv = [config.shell, "-c", bound.script];
          }
          const env: Record<string, string> = { ...ctx.env, ...own };
          values.forEach((val, i) => {
            env[`MC_ARG_${i}`] = val.value;
          });
          const cwd = config.working_dir ? path.resolve(ctx.projectDir, config.working_dir) : ctx.projectDir;
          checkWorkingDir(cwd);
          const result = await execute(argv, cwd, env, ctx.signal, config.timeout, ctx.output);
          const fields = { stdout: result.stdout, stderr: result.stderr, exit_code: result.exitCode };
          const variables = {
            ...fields,
            // `${result}` is stdout; `${result.stdout}`, `.stderr`, `.exit_code` read as upstream's.
            result: new BindingView(
              (key) => (Object.hasOwn(fields, key) ? fields[key as keyof typeof fields] : undefined),
              () => Object.keys(fields),
              result.stdout,
            ),
          };
          if (result.timedOut) throw new Error(`command timed out after ${config.timeout} ms and was killed`);
          if (result.exitCode !== 0 && !config.allow_failure) {
            const tail = result.stderr.trim().split("\n").slice(-3).join(" | ");
            throw new Error(`command exited with code ${result.exitCode}${tail ? `: ${tail}` : ""}`);
          }
          return { output: result.stdout, variables };
        },
      }),
    },
  ],
});

interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  timedOut: boolean;
}

function execute(
  argv: string[],
  cwd: string,
  env: Record<string, string>,
  signal: AbortSignal,
  timeoutMs?: number,
  /** Each chunk as it comes, for the job's live log lines. */
  onOutput?: (stream: "stdout" | "stderr", chunk: Buffer) => void,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    // A process group of its own, so a kill reaches every child it started.
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (size < MAX_CAPTURE) into.push(chunk);
      size += chunk.length;
    };
    child.stdout.on("data", collect(out));
    child.stderr.on("data", collect(err));
    if (onOutput) {
      child.stdout.on("data", (chunk: Buffer) => onOutput("stdout", chunk));
      child.stderr.on("data", (chunk: Buffer) => onOutput("stderr", chunk));
    }
    let timedOut = false;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const killGroup = () => {
      // Not `child.exitCode`: the shell may have exited while a background child it
      // started still holds the output open; the group is killed until all are gone.
      if (child.pid === undefined || closed) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      killTimer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {}
      }, KILL_GRACE_MS);
    };
    const onTimeout = () => {
      timedOut = true;
      killGroup();
    };
    const timer = timeoutMs !== undefined ? setTimeout(onTimeout, timeoutMs) : undefined;
    const onAbort = () => killGroup();
    signal.addEventListener("abort", onAbort, { once: true });
    child.on("error", (e) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      reject(new Error(`cannot start ${argv[0]}: ${e.message}`));
    });
    child.on("close", (code, sig) => {
      closed = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      signal.removeEventListener("abort", onAbort);
      // The shell may be gone while its children still run: make sure they are not left behind.
      if (timedOut || signal.aborted) {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {}
      }
      if (signal.aborted) return reject(signal.reason);
      const cut = size > MAX_CAPTURE ? "\n[output truncated]" : "";
      resolve({
        stdout: Buffer.concat(out).toString("utf8") + cut,
        stderr: Buffer.concat(err).toString("utf8"),
        exitCode: code ?? (sig ? 128 + (signalNumber(sig) ?? 0) : 1),
        timedOut,
      });
    });
  });
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[sig];
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
