/**
 * YAML text of a JSON-like value (objects, arrays, strings, numbers, booleans, null), as
 * `model-compose config` prints a compose document and the docker runtime writes the
 * container's: block maps and sequences, two-space indent, sequences indented under
 * their key, plain scalars where they read back as the same string, single or double
 * quotes (JSON's escapes, valid YAML) where not, and block literals for multi-line text
 * so a shell script reads as written. The layout is the `yaml` package's.
 *
 * Written here rather than through the `yaml` package's stringify: for a 1000-job file
 * that took 77 ms on its first (and in `config` only) call, plus loading the package,
 * against a few ms here; Bun.YAML.stringify is as fast but quotes every `${...}` and
 * writes a script as one quoted line with `\n` in it. Every output is read back by both
 * parsers in its test.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The value as a YAML document, ending with a newline. */
export function printYaml(value: unknown): string {
  const out: string[] = [];
  if (isBlock(value)) block(value as Json, 0, out);
  // A document's own scalar: at column 0 a `---` or `...` would be a document marker, so
  // such text is quoted and a block literal's lines are indented.
  else if (typeof value === "string" && DOCUMENT_MARKER.test(value)) out.push(`${quoted(value)}\n`);
  else out.push(`${scalar(value as Json, 2)}\n`);
  return out.join("");
}

const isBlock = (v: unknown): boolean =>
  v !== null &&
  typeof v === "object" &&
  (Array.isArray(v) ? v.length > 0 : Object.keys(v as object).length > 0);

const pad = (n: number) => " ".repeat(n);

/** A non-empty map or sequence whose first line starts at `indent` on a line of its own. */
function block(v: Json, indent: number, out: string[]): void {
  const sp = pad(indent);
  if (Array.isArray(v)) {
    for (const item of v) {
      out.push(`${sp}-`);
      sequenceItem(item, indent + 2, out);
    }
    return;
  }
  for (const [k, item] of Object.entries(v as Record<string, Json>)) {
    out.push(`${sp}${key(k, indent)}:`);
    if (isBlock(item)) {
      out.push("\n");
      block(item, indent + 2, out);
    } else {
      out.push(` ${scalar(item, indent + 2)}\n`);
    }
  }
}

/** A sequence item after its `-`: a map or sequence starts on the dash's line. */
function sequenceItem(item: Json, indent: number, out: string[]): void {
  if (!isBlock(item)) {
    out.push(` ${scalar(item, indent)}\n`);
    return;
  }
  const first = out.length;
  block(item, indent, out);
  // The block's first piece is its first key or dash, indented: the dash and its space
  // stand in for that indentation.
  out[first] = ` ${out[first].slice(indent)}`;
}

/** A scalar, an empty map or an empty sequence, whose continuation lines sit at `indent`. */
function scalar(v: Json, indent: number): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return ".nan";
    if (v === Number.POSITIVE_INFINITY) return ".inf";
    if (v === Number.NEGATIVE_INFINITY) return "-.inf";
    return Object.is(v, -0) ? "-0" : String(v);
  }
  if (typeof v === "string") return str(v, indent);
  return Array.isArray(v) ? "[]" : "{}";
}

/** A map key at `indent`: at column 0 a key that begins like a document marker is quoted. */
function key(k: string, indent: number): string {
  return plainSafe(k) && !(indent === 0 && DOCUMENT_MARKER.test(k)) ? k : quoted(k);
}

function str(s: string, indent: number): string {
  if (plainSafe(s)) return s;
  if (literalSafe(s)) {
    const body = s.replace(/\n+$/, "");
    const trailing = s.length - body.length;
    const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
    const sp = pad(indent);
    const lines = body.split("\n").map((l) => (l === "" ? "" : sp + l));
    // Keep chomping: the text's extra final newlines are empty lines of the scalar.
    const extra = trailing > 1 ? "\n".repeat(trailing - 1) : "";
    return `|${chomp}\n${lines.join("\n")}${extra}`;
  }
  return quoted(s);
}

/**
 * Text with double quotes and no single ones reads better in single quotes, which escape
 * nothing but themselves: only for text without characters that need an escape.
 */
function quoted(s: string): string {
  if (s.includes('"') && !s.includes("'") && !NEEDS_ESCAPE.test(s) && !LONE_SURROGATE.test(s)) {
    return `'${s}'`;
  }
  return JSON.stringify(s);
}

/** Characters a YAML reader takes only as escapes in double quotes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const NEEDS_ESCAPE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
/** The same without the line break: what a block literal cannot hold as it is. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const NOT_IN_LITERAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

/** Words the YAML 1.2 core schema reads as something else (both readers here are 1.2). */
const NOT_A_STRING =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|<<|=)$/;
/**
 * Numbers in any notation a reader might know (underscores, bases, exponents, YAML 1.1's
 * sexagesimal), and dates: the two readers disagree about some (`-0x1F` is -31 to Bun, a
 * string to `yaml`), so all are quoted. `30s` and `.` stay plain.
 */
const NUMBER_LIKE =
  /^[-+]?(?:(?=[\d_.]*\d)[\d_]*\.?[\d_]*(?:[eE][-+]?\d+)?|0x[\da-fA-F_]+|0o[0-7_]+|0b[01_]+|\d[\d_]*(?::[0-5]?\d)+(?:\.[\d_]*)?)$|^\d{4}-\d\d?-\d\d?/;

/** Text that, at column 0, is or begins a document marker (`---`, `...`). */
const DOCUMENT_MARKER = /^(?:---|\.\.\.)/;

/** In a `u` pattern only an unpaired surrogate is a code point of this category. */
const LONE_SURROGATE = /\p{Cs}/u;

function plainSafe(s: string): boolean {
  if (s === "" || NOT_A_STRING.test(s) || NUMBER_LIKE.test(s)) return false;
  // Indicators that cannot start a plain scalar, and surrounding whitespace; `-` can,
  // before anything but a space (`-c`, `--flag`).
  if (/^(?:[?:,[\]{}#&*!|>'"%@`\s]|-(?:\s|$))/.test(s) || /\s$/.test(s)) return false;
  // A key separator, a comment, or a character that needs an escape.
  if (/: |:$| #/.test(s) || NEEDS_ESCAPE.test(s)) return false;
  return !LONE_SURROGATE.test(s);
}

/** Multi-line text that a block literal holds exactly. */
function literalSafe(s: string): boolean {
  if (!s.includes("\n") || LONE_SURROGATE.test(s)) return false;
  // The first line sets the indentation: it must hold text that starts without a space.
  if (/^\s/.test(s)) return false;
  return !NOT_IN_LITERAL.test(s);
}
