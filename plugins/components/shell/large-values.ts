/**
 * How substituted values reach the shell. The kernel limits one environment string to
 * 128 KiB (MAX_ARG_STRLEN, with its `NAME=`) and all of argv and the environment
 * together to ARG_MAX (a quarter of the stack limit, 2 MiB by default); past either,
 * starting the process fails with E2BIG. Small values go in the environment; larger
 * ones, or those past an overall budget, are written to files of a private temporary
 * directory (mode 0700), which a first line of the script reads back into the same
 * variable, byte for byte (trailing newlines included), before the command runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Substitution } from "./placeholders.ts";

/** MAX_ARG_STRLEN on Linux: 32 pages of 4 KiB, `NAME=value` and its NUL together. */
export const ENV_STRING_MAX = 32 * 4096;
/** A value larger than this goes through a file. */
const IN_ENV_MAX = 64 * 1024;
/** The values in the environment together stay below this, well inside ARG_MAX. */
const IN_ENV_TOTAL = 512 * 1024;

export interface PassedValues {
  /** `MC_ARG_N` (and `MC_FILE_N`) variables for the environment. */
  readonly env: Record<string, string>;
  /** Script text to run first (empty when every value is in the environment). */
  readonly prelude: string;
  /** Removes the files, once the command is over. */
  cleanup(): void;
}

export function passValues(values: readonly Substitution[]): PassedValues {
  const env: Record<string, string> = {};
  const sizes = values.map((s, i) => ({ i, bytes: Buffer.byteLength(s.value) }));
  let total = 0;
  const inFiles = new Set<number>();
  // Smallest first, so a budget overrun sends the largest values to files.
  for (const { i, bytes } of [...sizes].sort((a, b) => a.bytes - b.bytes)) {
    if (bytes > IN_ENV_MAX || total + bytes > IN_ENV_TOTAL) inFiles.add(i);
    else total += bytes;
  }
  if (inFiles.size === 0) {
    values.forEach((s, i) => {
      env[`MC_ARG_${i}`] = s.value;
    });
    return { env, prelude: "", cleanup: () => {} };
  }
  // node:os only now: loading it costs every shell job's start a third of a millisecond.
  const { tmpdir } = process.getBuiltinModule("node:os") as typeof import("node:os");
  const dir = mkdtempSync(path.join(tmpdir(), "model-compose-values-"));
  let prelude = "";
  values.forEach((s, i) => {
    if (!inFiles.has(i)) {
      env[`MC_ARG_${i}`] = s.value;
      return;
    }
    const file = path.join(dir, String(i));
    writeFileSync(file, s.value, { mode: 0o600 });
    env[`MC_FILE_${i}`] = file;
    // `$(...)` drops trailing newlines: an x after the value keeps them, then goes.
    prelude += `MC_ARG_${i}=$(cat -- "$MC_FILE_${i}"; printf x); MC_ARG_${i}=\${MC_ARG_${i}%x}; `;
  });
  // One line, so the command's own line numbers move by one only.
  return { env, prelude: `${prelude}\n`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An argument or environment string the kernel would refuse with E2BIG, said before
 * starting: what it is, its size and the limit.
 */
export function checkStringSize(what: string, text: string, hint: string): void {
  const bytes = Buffer.byteLength(text) + 1;
  if (bytes > ENV_STRING_MAX) {
    throw new Error(
      `${what} is ${bytes - 1} bytes, over the kernel's limit of ${ENV_STRING_MAX} bytes for one argument or environment variable (with its name); ${hint}`,
    );
  }
}
