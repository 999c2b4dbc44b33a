// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell commands are full of ${...}
/**
 * The placeholder scanner alone: what each context turns a placeholder into, and which
 * values it refuses where. tests/core/shell-differential.test.ts runs the results in
 * dash and bash.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { bindPlaceholders, checkValues, placeholderQuoter, type Substitution } from "./placeholders.ts";

/** Renders `command`, where each `@` is a binding `${input.x}` with the next value. */
function bind(command: string, ...values: string[]): { script: string; check(): void } {
  const subs: Substitution[] = [];
  const quote = placeholderQuoter(subs);
  let k = 0;
  const text = command.replace(/@/g, () => quote(values[k++], "input.x"));
  const bound = bindPlaceholders(text, subs);
  return { script: bound.script, check: () => checkValues(bound, subs) };
}

const HOSTILE = "a[$(touch /tmp/x)]";

describe("references by quoting context", () => {
  test.each([
    ["echo @", 'echo "${MC_ARG_0}"'],
    ['echo "@"', 'echo "${MC_ARG_0}"'],
    ["echo '@'", "echo ''\"${MC_ARG_0}\"''"],
    ['echo "$(echo @)"', 'echo "$(echo "${MC_ARG_0}")"'],
    ["echo `echo @`", 'echo `echo "${MC_ARG_0}"`'],
    ["cat <<EOF\n@\nEOF", "cat <<EOF\n${MC_ARG_0}\nEOF"],
    ["echo $(( @ + 1 ))", "echo $(( ${MC_ARG_0} + 1 ))"],
    ["(( @ > 1 ))", "(( ${MC_ARG_0} > 1 ))"],
    ["echo $[ @ ]", "echo $[ ${MC_ARG_0} ]"],
    ['echo "${a[@]}"', 'echo "${a["${MC_ARG_0}"]}"'],
  ])("%j", (command, script) => {
    expect(bind(command, "5").script).toBe(script);
  });

  test("a here-string does not make the next line's binding unquoted", () => {
    expect(bind("cat <<< x\necho @", "v").script).toBe('cat <<< x\necho "${MC_ARG_0}"');
    expect(bind("cat <<<@", "v").script).toBe('cat <<<"${MC_ARG_0}"');
  });

  test("a case pattern's ) inside $(...) does not end the substitution", () => {
    expect(bind("v=$(case a in a) echo @;; esac); echo @", "1", "2").script).toBe(
      'v=$(case a in a) echo "${MC_ARG_0}";; esac); echo "${MC_ARG_1}"',
    );
  });

  test("an expansion inside an unquoted here-document is scanned too", () => {
    expect(bind("cat <<EOF\n$(echo @)\nEOF", "v").script).toBe('cat <<EOF\n$(echo "${MC_ARG_0}")\nEOF');
    expect(() => bind("cat <<EOF\n$(( @ ))\nEOF", HOSTILE).check()).toThrow("used in $((...))");
  });
});

describe("places that evaluate a value accept only an integer or a name", () => {
  test.each([
    ["echo $(( @ + 1 ))", "$((...))"],
    ["(( @ ))", "((...))"],
    ["for ((i=@; i<1; i++)); do :; done", "((...))"],
    ["[[ @ -eq 1 ]]", "[[ ... -eq ... ]]"],
    ["[[ 1 -lt @ || x ]]", "[[ ... -lt ... ]]"],
    ["let n=@", "let"],
    ["declare -i n=@", "an assignment to n, declared -i"],
    ["local -i n=@", "an assignment to n, declared -i"],
    ['echo "${a[@]}"', "the array subscript a[...]"],
    ["a[@]=1", "the array subscript a[...]"],
    ["x=( [@]=1 )", "the array subscript x[...]"],
    ['s=abc; echo "${s:@}"', "the offset in ${name:...}"],
    ['i=@; echo "${a[$i]}"', "the array subscript a[...] (through a shell variable assigned from it)"],
    ["n=@; echo $((n + 1))", "$((...)) (through a shell variable"],
    ["declare -i n; n=@", "an assignment to n, declared -i"],
    ["read -r n <<< @; echo $((n))", "$((...)) (through a shell variable"],
    ["for i in @; do echo $((i)); done", "$((...)) (through a shell variable"],
    ["set -- @; echo $(($1))", "$((...)) (through a shell variable"],
    ["f() { echo $(( $1 )); }; f @", "$((...)) (through a shell variable"],
    ['function f { let "n=$1"; }; f x @', "let (through a shell variable"],
    ["builtin let n=@", "let"],
    ["command let n=@", "let"],
    ['a=(1); unset "a[@]"', "the subscript in unset"],
    ['printf -v "a[@]" %s x', "the subscript in printf -v"],
    ['a=(1); echo "${a[0]:@}"', "the offset in ${name:...}"],
    ["a=(1); echo ${a[*]:0:@}", "the offset in ${name:...}"],
  ])("%j", (command, where) => {
    const bound = bind(command, HOSTILE);
    expect(bound.check).toThrow(`\${input.x} is used in ${where}`);
    expect(bound.check).toThrow(
      `it must be an integer (decimal without leading zeros, or 0x hex), found ${JSON.stringify(HOSTILE)}`,
    );
    expect(() => bind(command, "42").check()).not.toThrow();
  });

  test.each([
    ["printf -v @ %s 1", "printf -v"],
    ["read @ <<< 1", "read"],
    ["declare @=1", "declare"],
    ["declare -n r=@", "declare -n"],
    ["test -v @", "test -v"],
    ["[[ -v @ ]]", "[[ -v ... ]]"],
    ['x=@; echo "${!x}"', "${!x} (through a shell variable"],
  ])("%j needs a name", (command, where) => {
    expect(bind(command, HOSTILE).check).toThrow(`\${input.x} is used in ${where}`);
    expect(bind(command, HOSTILE).check).toThrow("it must be a name (letters, digits, _)");
    expect(() => bind(command, "some_name").check()).not.toThrow();
  });

  test.each([
    ["echo x >&@"],
    ["echo x >& @"],
    ["echo x 1>&@"],
    ["echo x >&1@"],
    ["\\ >&@echo echo"],
    ["echo x 2>&@"],
    ["cat <&@"],
    ["n=@; echo x >&$n"],
    ['echo x >&"$(printf 1)@"'],
  ])("%j: after >& or <&, a descriptor number only (bash expands any other word twice)", (command) => {
    const bound = bind(command, HOSTILE);
    expect(bound.check).toThrow("is used in a redirection to a file descriptor (>& or <&)");
    expect(bound.check).toThrow(
      `it must be a file descriptor number (digits) or -, found ${JSON.stringify(HOSTILE)}`,
    );
    for (const bad of ["file.log", "1 2", " 1", "-1"])
      expect(bind(command, bad).check).toThrow("file descriptor");
  });

  test("a descriptor number or - passes after >& and <&; other redirections take any value", () => {
    for (const fd of ["1", "2", "10", "-"]) expect(() => bind("echo x >&@", fd).check()).not.toThrow();
    for (const command of [
      "echo x > @",
      "echo x &> @",
      "echo x >> @",
      "cat < @",
      "echo x >| @",
      "echo x 2> @",
    ])
      expect(() => bind(command, HOSTILE).check()).not.toThrow();
  });

  test("integers with blanks around them (a job's stdout) are accepted; others are not", () => {
    for (const ok of ["0", "-3", "+7", "0x1F", "5\n", " 12 "])
      expect(() => bind("echo $((@))", ok).check()).not.toThrow();
    for (const bad of ["", "1.5", "1e3", "x", "1+1", "a[0]"])
      expect(bind("echo $((@))", bad).check).toThrow("it must be an integer");
  });

  test("an env: variable read in arithmetic is checked too", () => {
    const subs: Substitution[] = [];
    const bound = bindPlaceholders("echo $((N + 1))", subs);
    expect(() => checkValues(bound, subs, { N: HOSTILE })).toThrow("env N is used in $((...))");
    expect(() => checkValues(bound, subs, { N: "4" })).not.toThrow();
  });

  test("an associative array's key is data, not arithmetic", () => {
    expect(() => bind('declare -A m; m[@]=1; echo "${m[@]}"', HOSTILE, HOSTILE).check()).not.toThrow();
  });

  test("strings elsewhere stay free: the same value is fine as an argument", () => {
    expect(() => bind('echo @ "$(( 1 + 1 ))"; [[ @ == x ]]', HOSTILE, HOSTILE).check()).not.toThrow();
  });

  test("the value shown in the message is cut when long", () => {
    expect(bind("echo $((@))", "x".repeat(100)).check).toThrow(`found "${"x".repeat(60)}…" (100 characters)`);
  });
});

describe("more contexts", () => {
  test("an associative array declared inline takes any key", () => {
    expect(() => bind('declare -A m=([@]=1); echo "${m[@]}"', HOSTILE, HOSTILE).check()).not.toThrow();
  });

  test("a process substitution is a command of its own", () => {
    expect(bind("cat <(echo @)", "v").script).toBe('cat <(echo "${MC_ARG_0}")');
    expect(bind("diff <(echo @) >(cat)", "v").script).toBe('diff <(echo "${MC_ARG_0}") >(cat)');
  });

  test("a value fed to a shell's standard input is code: here-string, here-document, pipe", () => {
    const reason = "bash runs what it reads on its standard input";
    expect(() => bind("bash <<< @", "x")).toThrow(`\${input.x} cannot be used here: ${reason} as shell code`);
    expect(() => bind("bash <<EOF\n@\nEOF", "x")).toThrow(`${reason} (this here-document) as shell code`);
    expect(() => bind("echo @ | tr a b | bash", "x")).toThrow(`${reason} as shell code`);
    expect(() => bind("echo @ | sudo -u nobody sh", "x")).toThrow("sh runs what it reads");
    expect(() => bind(". /dev/stdin <<< @", "x")).toThrow(". runs what it reads");
    // Data for a script given with -c, or for a program that is not a shell, is data.
    expect(() => bind("echo @ | bash -c 'cat'", "x")).not.toThrow();
    expect(() => bind("cat <<EOF | wc -c\n@\nEOF", "x")).not.toThrow();
    expect(() => bind("echo @ || bash", "x")).not.toThrow();
  });

  test("a shell's -c argument is code; its other arguments are data", () => {
    expect(() => bind("bash -c @", "x")).toThrow(
      "${input.x} cannot be used here: bash -c runs its argument as shell code",
    );
    expect(() => bind("env A=1 nohup sh -ec @", "x")).toThrow("sh -c runs its argument as shell code");
    expect(() => bind("sh -c 'echo \"$1\"' sh @", "x")).not.toThrow();
  });
});

describe("refused outright", () => {
  test("eval and trap would run a value as code", () => {
    expect(() => bind("eval @", "x")).toThrow(
      "${input.x} cannot be used here: eval runs its arguments as shell code",
    );
    expect(() => bind("trap @ EXIT", "x")).toThrow("trap runs its first argument as shell code");
    expect(() => bind("trap 'echo done' @", "EXIT")).not.toThrow();
  });

  test("a backslash before a binding", () => {
    expect(() => bind("echo \\@", "x")).toThrow(
      "a backslash before ${input.x} would escape the first character of its value; remove the backslash (write $${ for a literal ${)",
    );
    expect(() => bind('echo "\\@"', "x")).toThrow("a backslash before ${input.x}");
    expect(bind("echo '\\@'", "x").script).toBe("echo '\\'\"${MC_ARG_0}\"''");
  });

  test("a NUL byte in a value is named by its binding, without echoing the value", () => {
    const quote = placeholderQuoter([]);
    expect(() => quote(`${"long ".repeat(100)}\u0000`, "input.x")).toThrow(
      /^the value of \$\{input\.x\} contains a NUL byte, which no command can receive$/,
    );
  });

  test("a binding inside a variable's name", () => {
    expect(() => bind("echo ${@}", "x")).toThrow("${input.x} cannot be part of a variable's name in ${...}");
  });

  test("a binding as a here-document's delimiter", () => {
    expect(() => bind("cat <<@\nx\n", "EOF")).toThrow("${input.x} cannot be a here-document's delimiter");
  });

  test("a binding in a quoted here-document", () => {
    expect(() => bind("cat <<'EOF'\n@\nEOF", "x")).toThrow(
      "${input.x} cannot be substituted into the quoted here-document <<'EOF' (nothing in it is expanded); use an unquoted delimiter",
    );
  });
});

describe("a command without placeholders", () => {
  // The shell component skips the scan for such a command without env: of its own
  // (index.ts); that holds only while the scan returns it unchanged and finds nothing.
  test("comes back from the scan as it was written, with nothing refused or to check", () => {
    const piece = fc.oneof(
      fc.constantFrom(
        "echo ",
        "x",
        " ",
        "\n",
        "'",
        '"',
        "\\",
        "$",
        "${",
        "}",
        "$(",
        ")",
        "`",
        "$((",
        "))",
        "<<EOF\n",
        "<<'EOF'\n",
        "EOF\n",
        "<<<",
        "|",
        "&&",
        ";",
        "#",
        "eval ",
        "trap ",
        "sh -c ",
        "read ",
        "let ",
        "[[ ",
        " -eq ",
        " ]]",
        "a[",
        "]",
        "=",
        "for i in ",
        "; do ",
        "; done",
      ),
      fc.string({ maxLength: 4 }).filter((t) => !t.includes("\u0000")),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join("");
        const bound = bindPlaceholders(text, []);
        expect(bound.script).toBe(text);
        expect(bound.facts.refusals).toEqual([]);
        checkValues(bound, []);
      }),
      { numRuns: 3000 },
    );
  });
});
