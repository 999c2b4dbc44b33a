// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell commands are full of ${...}
/**
 * The scanner against the real shells. For generated values in generated templates, each
 * run by dash and by bash as the shell component runs it (`-c` with the value in the
 * environment): the command prints exactly the value, or the value is refused before
 * anything starts (only where the shell would evaluate it and it is not an integer or a
 * name), and the marker file that hostile values try to create never appears.
 *
 * A second property runs random templates (fragments of shell syntax glued together,
 * most of them not even valid) with hostile values: whatever the shells make of them,
 * the marker file never appears. Its fragments hold no command substitution: a value
 * that a program prints into arithmetic (`$(( $(echo ${input.x}) ))`) is data flowing
 * through a program, which the scanner does not follow (docs/security.md says so).
 *
 * Case counts: MC_PROPERTY_RUNS (default 150) per property. A fixed seed keeps the suite
 * deterministic; set MC_PROPERTY_SEED (and more runs) to explore other cases. A failure
 * prints the seed and the shrunk counterexample.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import {
  bindPlaceholders,
  checkValues,
  placeholderQuoter,
  type Substitution,
} from "../../plugins/components/shell/placeholders.ts";

const RUNS = Number(process.env.MC_PROPERTY_RUNS ?? 150);
const SEED = Number(process.env.MC_PROPERTY_SEED ?? 20261201);
const dir = mkdtempSync(path.join(tmpdir(), "mc-diff-"));
const marker = path.join(dir, "ran");

/** Values: shell syntax soup, payloads that try to create the marker, and integers. */
const SOUP = [..."abz09 \t\n'\"`$\\;&|<>()[]{}*?#~=!-+%:,/^@"];
const PAYLOADS = [
  `a[$(touch ${marker})]`,
  `x[\`touch ${marker}\`]`,
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `'; touch ${marker}; '`,
  `"; touch ${marker}; "`,
  `\nEOF\ntouch ${marker}\nEOF\n`,
  `) ; touch ${marker} ; (`,
  `;; esac; touch ${marker}; case x in x)`,
  `a[MC_ARG_1]`,
  `i[\${MC_ARG_0@P}]`,
  "$HOME ${PATH} $0",
];
const value = fc.oneof(
  fc.string({ unit: fc.constantFrom(...SOUP), maxLength: 16 }),
  fc.constantFrom(...PAYLOADS),
  fc
    .tuple(fc.constantFrom(...PAYLOADS), fc.string({ unit: fc.constantFrom(...SOUP), maxLength: 4 }))
    .map(([p, s]) => p + s),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
);

interface Template {
  /** `@` marks the binding. */
  readonly command: string;
  /** What the command prints for value `v`. */
  readonly expect: (v: string) => string;
  /** Only bash knows the syntax. */
  readonly bashOnly?: boolean;
  /** The value must be an integer (or a name) here; others are refused. */
  readonly needs?: "integer" | "name";
}

const P = "printf '%s\\n'";
/** `$(...)` drops trailing newlines. */
const chomp = (v: string) => v.replace(/\n+$/, "");
const same = (v: string) => `${v}\n`;
/** `${a[v + 1000000]}` of the one-element array (x), then v. */
const element = (v: string) => `${Number(v) === -1_000_000 ? "x" : ""}${v}\n`;

const TEMPLATES: Template[] = [
  { command: `${P} @`, expect: same },
  { command: `${P} "@"`, expect: same },
  { command: `${P} '@'`, expect: same },
  { command: `${P} pre-@-post`, expect: (v) => `pre-${v}-post\n` },
  { command: `${P} "$(printf '%s' @)"`, expect: (v) => `${chomp(v)}\n` },
  { command: "v=`printf '%s' @`; printf '%s\\n' \"$v\"", expect: (v) => `${chomp(v)}\n` },
  { command: `v=@; ${P} "$v"`, expect: same },
  { command: `for v in @; do ${P} "$v"; done`, expect: same },
  { command: `${P} "\${unset_var:-@}"`, expect: same },
  { command: "# it's a comment\nprintf '%s\\n' @", expect: same },
  { command: "cat <<EOF\n@\nEOF", expect: same },
  { command: "cat <<-EOF\n\t@\n\tEOF", expect: same },
  { command: "cat <<'EOF' >/dev/null\nit's\nEOF\nprintf '%s\\n' @", expect: same },
  { command: `v=$(case a in a) printf '%s' @;; esac); ${P} "$v"`, expect: (v) => `${chomp(v)}\n` },
  { command: `v=$(case a in (a) printf '%s' @;; (*) ;; esac); ${P} "$v"`, expect: (v) => `${chomp(v)}\n` },
  { command: `${P} "\${unset_var:-"@"}"`, expect: same },
  { command: `f() { ${P} "$1"; }; f @`, expect: same },
  { command: `f() { ${P} $(( $1 + 0 )); }; f @`, expect: (v) => `${Number(v)}\n`, needs: "integer" },
  { command: `cat <(${P} @)`, expect: same, bashOnly: true },
  { command: `a=(); unset "a[@ + 1000000]"; ${P} "@"`, expect: same, bashOnly: true, needs: "integer" },
  {
    command: `command let "n=@"; ${P} "$n"`,
    expect: (v) => `${Number(v)}\n`,
    bashOnly: true,
    needs: "integer",
  },
  { command: `sh -c 'printf "%s\\n" "$1"' sh @`, expect: same },
  { command: "cat <<< x >/dev/null\nprintf '%s\\n' @", expect: same, bashOnly: true },
  { command: "cat <<<@", expect: same, bashOnly: true },
  { command: `${P} "$(( @ + 0 ))"`, expect: (v) => `${Number(v)}\n`, needs: "integer" },
  { command: `${P} $(( @ ))`, expect: (v) => `${Number(v)}\n`, needs: "integer" },
  { command: `n=@; ${P} $(( n + 0 ))`, expect: (v) => `${Number(v)}\n`, needs: "integer" },
  { command: `(( @ == @ )) && ${P} "@"`, expect: same, bashOnly: true, needs: "integer" },
  { command: `[[ @ -eq @ ]] && ${P} "@"`, expect: same, bashOnly: true, needs: "integer" },
  { command: `let n=@; ${P} "$n"`, expect: (v) => `${Number(v)}\n`, bashOnly: true, needs: "integer" },
  { command: `declare -i n=@; ${P} "$n"`, expect: (v) => `${Number(v)}\n`, bashOnly: true, needs: "integer" },
  { command: `a=(x); i=@; ${P} "\${a[$i + 1000000]}@"`, expect: element, bashOnly: true, needs: "integer" },
  { command: `a=(x); ${P} "\${a[@ + 1000000]}@"`, expect: element, bashOnly: true, needs: "integer" },
  { command: `printf -v @ %s 1; ${P} @`, expect: same, bashOnly: true, needs: "name" },
  {
    command: `read -r n <<< @; ${P} "$((n))"`,
    // read takes the first line only: "\n9" reads an empty line, which is 0.
    expect: (v) => `${Number(v.split("\n")[0])}\n`,
    bashOnly: true,
    needs: "integer",
  },
];

const INTEGER = /^\s*[-+]?(0|[1-9]\d*)\s*$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Binds `command` with `v` at every `@`; undefined when the value is refused (with the reason). */
function prepare(command: string, v: string): { script: string; env: Record<string, string> } | Error {
  const subs: Substitution[] = [];
  const quote = placeholderQuoter(subs);
  const text = command.replace(/@/g, () => quote(v, "input.x"));
  try {
    const bound = bindPlaceholders(text, subs);
    checkValues(bound, subs);
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    subs.forEach((s, i) => {
      env[`MC_ARG_${i}`] = s.value;
    });
    return { script: bound.script, env };
  } catch (error) {
    return error as Error;
  }
}

function run(
  shell: string,
  script: string,
  env: Record<string, string>,
): { out: string; err: string; code: number } {
  const r = Bun.spawnSync([shell, "-c", script], { env, cwd: dir, stdout: "pipe", stderr: "pipe" });
  return { out: r.stdout.toString(), err: r.stderr.toString(), code: r.exitCode ?? -1 };
}

describe("differential: dash and bash print the value and nothing else runs", () => {
  for (const t of TEMPLATES) {
    test(JSON.stringify(t.command), () => {
      const shells = t.bashOnly ? ["bash"] : ["dash", "bash"];
      fc.assert(
        fc.property(value, (v) => {
          rmSync(marker, { force: true });
          const fits = t.needs === "integer" ? INTEGER.test(v) : t.needs === "name" ? NAME.test(v) : true;
          const prepared = prepare(t.command, v);
          if (prepared instanceof Error) {
            // Refused before anything ran: only where the value does not fit.
            expect(fits).toBe(false);
            expect(prepared.message).toContain("${input.x} is used in");
            return;
          }
          expect(fits).toBe(true);
          for (const shell of shells) {
            const r = run(shell, prepared.script, prepared.env);
            expect({ shell, out: r.out, err: r.err, code: r.code }).toEqual({
              shell,
              out: t.expect(v),
              err: "",
              code: 0,
            });
            expect(existsSync(marker)).toBe(false);
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});

/** Pieces of shell syntax, valid or not alone; `@` in a template is the binding. */
const FRAGMENTS = [
  "echo ",
  "printf '%s\\n' ",
  "$(( ",
  " ))",
  " + 1",
  '"',
  "'",
  "[[ ",
  " -eq 1 ]]",
  " == x ]]",
  "let ",
  "x=",
  "n=",
  "; ",
  "\n",
  "cat <<EOF\n",
  "\nEOF\n",
  "cat <<'EOF'\n",
  "cat <<< ",
  "case a in a) ",
  ";; esac",
  "case @ in *) echo ",
  "${a[",
  "]}",
  "declare -i n=",
  "declare -A m; m[",
  "printf -v ",
  "read -r n <<< ",
  "for i in ",
  "; do echo $((i)); done",
  "(( ",
  " | cat",
  " && ",
  "# ",
  "a=(",
  "[",
  "]=1 ",
  ")",
  " $n",
  " $((n))",
  "${x:-",
  "}",
  "\\",
  "f() { echo $(( $1 )); }; f ",
  "unset ",
  "test -v ",
  "[ ",
  " -eq 1 ]",
  "$[ ",
  "]",
  "${s:",
  "local -n r=",
  "export ",
  "{ ",
  " }",
  "set -- ",
  " $(( $1 ))",
  "i=",
  '"${a[$i]}"',
  "${!x}",
  "x=",
  "<(cat)",
  " 2>&1",
  " >&",
  " <&",
  "exec 3<&0; ",
];

const template = fc
  .tuple(
    fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 10 }),
    fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  )
  .map(([pieces, at]) => {
    const parts = [...pieces];
    for (const k of at) parts.splice(k % (parts.length + 1), 0, "@");
    return parts.join("");
  });

const hostile = fc.oneof(
  fc.constantFrom(...PAYLOADS),
  fc.tuple(fc.constantFrom(...PAYLOADS), fc.constantFrom(...PAYLOADS)).map(([a, b]) => a + b),
);

describe("random templates: nothing a value holds ever runs", () => {
  test("dash and bash, hostile values, templates glued from fragments", () => {
    fc.assert(
      fc.property(template, hostile, (command, v) => {
        rmSync(marker, { force: true });
        const prepared = prepare(command, v);
        if (prepared instanceof Error) {
          // A refusal is a message for the user, not a crash of the scanner.
          expect(prepared).not.toBeInstanceOf(TypeError);
          expect(prepared).not.toBeInstanceOf(RangeError);
          return;
        }
        for (const shell of ["dash", "bash"]) {
          Bun.spawnSync([shell, "-c", prepared.script], {
            env: prepared.env,
            cwd: dir,
            stdin: "ignore",
            stdout: "ignore",
            stderr: "ignore",
            timeout: 5000,
          });
          if (existsSync(marker)) throw new Error(`${shell} ran a value: ${JSON.stringify(prepared.script)}`);
        }
      }),
      { numRuns: RUNS * 4, seed: SEED },
    );
  });
});
