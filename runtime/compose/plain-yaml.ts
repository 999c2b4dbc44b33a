/**
 * Decides whether a compose file may be read by the runtime's native YAML parser
 * instead of the `yaml` package, and counts the mapping keys written in it.
 *
 * The native parser is far quicker to start but keeps no positions and differs from
 * `yaml` at the edges: it keeps the last of duplicate keys (we refuse them), reads
 * `---` streams as lists, and converts non-string keys its own way. So it is used only
 * for the plain subset compose files are written in: block maps and lists, plain and
 * single-line quoted scalars, block scalars, flow lists, flow maps on one line with
 * `key: value` pairs (`headers: { X-Team: ml }`); no anchors,
 * aliases, tags, merge keys, complex keys, document markers, directives, tabs or
 * carriage returns. `countPlainKeys` returns undefined for anything else.
 *
 * The count is how parse.ts notices what the native parser folded away: if the map
 * keys it returns are fewer than the keys written, some were duplicates (or this scan
 * misread the text) and the file goes to `yaml`. The scan may count too many, never
 * too few: every `key:` the parsers can see is counted.
 */

/** Plain keys the core schema reads as something other than a string. */
const NON_STRING_KEY = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE|~)$/;
/** Plain keys must start like a word; digits, signs and dots could be read as numbers. */
const STRING_KEY_START = /^[A-Za-z_$]/;
/**
 * Plain scalars that start like a number must be one of the core schema's numbers:
 * the parsers disagree about the rest (`-0x1F`, `1_000`, `12:30`, `2001-12-14`).
 */
const NUMBER_START = /^[-+]?(?:[0-9]|\.[0-9A-Za-z])/;
const CORE_NUMBER =
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/**
 * Number-like values compose files are full of that no YAML schema reads as a number,
 * and that both parsers read as the same string: durations and sizes (`30s`, `1m30s`,
 * `2.5g`, `512m`; not after a `0x`, `0o` or `0b` prefix), dotted numerals (`0.0.0.0`,
 * `127.0.0.1:8080`, `10.0.0.0/8`, `1.2.3`) and dot-files (`.env`). Without them, every file with
 * `host: 0.0.0.0` or a `timeout: 30s` went to `yaml`: `config` of a 1000-job file
 * with a controller `host:` took 107 ms against 37 without it (docs/benchmarks.md).
 */
const UNIT_VALUE = /^(?!0[xXoObB])[0-9]+(?:\.[0-9]+)?[A-Za-z]+(?:[0-9]+(?:\.[0-9]+)?[A-Za-z]+)*$/;
const DOTTED_VALUE = /^[0-9]+(?:\.[0-9]+){2,}(?::[0-9]+)?(?:\/[0-9]+)?$/;
/** A dot-file's name (`.env`, `.env.production`); spellings of infinity and NaN stay out. */
const DOT_NAME = /^\.[A-Za-z_][A-Za-z0-9._-]*$/;
const INF_OR_NAN = /^\.(?:inf|nan)$/i;

function checkPlainValue(text: string): void {
  const value = text.trim();
  if (!NUMBER_START.test(value) || CORE_NUMBER.test(value)) return;
  if (UNIT_VALUE.test(value) || DOTTED_VALUE.test(value)) return;
  if (DOT_NAME.test(value) && !INF_OR_NAN.test(value)) return;
  notPlain();
}

/** Characters that start an anchor, alias, tag, complex key or a reserved indicator. */
const UNSUPPORTED_START = new Set(["&", "*", "!", "?", "%", "@", "`", ":", ",", "]", "}"]);

class NotPlain extends Error {}

function notPlain(): never {
  throw new NotPlain();
}

const isBlank = (c: string | undefined) => c === undefined || c === " ";

/** The text after `pos` is only spaces or a comment. */
function restIsEmpty(line: string, pos: number): boolean {
  let i = pos;
  while (line[i] === " ") i++;
  return i >= line.length || (line[i] === "#" && (i === 0 || line[i - 1] === " "));
}

/** Index just past the closing quote of the scalar opened at `pos`, on this line. */
function closeQuote(line: string, pos: number): number {
  const quote = line[pos];
  for (let i = pos + 1; i < line.length; i++) {
    const c = line[i];
    if (quote === '"' && c === "\\") i++;
    else if (c === quote) {
      if (quote === "'" && line[i + 1] === "'") i++;
      else return i + 1;
    }
  }
  return notPlain(); // a quoted scalar over several lines
}

/** An open flow collection: a list (whether an item may start here) or a map (what comes next in it). */
type Flow = { kind: "["; itemStart: boolean } | { kind: "{"; want: "key" | "value" | "after"; keys: number };

/** What the line scan leaves for the next lines. */
type Carry =
  | { kind: "none" }
  /** A block scalar: lines indented more than `indent` (and blank lines) are its text. */
  | { kind: "block"; indent: number }
  /** A plain scalar that may go on: lines indented more than `indent` continue it. */
  | { kind: "plain"; indent: number }
  /** An open flow list: its lines must be indented more than `indent`. */
  | { kind: "flow"; depth: number; indent: number };

export function countPlainKeys(text: string): number | undefined {
  // Tabs, carriage returns, a byte-order mark, control characters: `yaml` decides.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u0009\u000b-\u001f\u007f\ufeff]/.test(text) || text.includes("__proto__")) return undefined;
  try {
    return scan(text.split("\n"));
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
}

function scan(lines: string[]): number {
  let keys = 0;
  let carry: Carry = { kind: "none" };

  /**
   * A flow collection from `from`, just past the brackets in `open` (innermost last).
   * Lists may go on over lines; a map must close on its own line, and so is never left
   * open at the end of one. Returns where the collection ends on this line, and how many
   * lists are still open after it.
   */
  const scanFlow = (line: string, from: number, open: Flow[]): { pos: number; depth: number } => {
    let i = from;
    const stack = open;
    while (i < line.length && stack.length > 0) {
      const c = line[i];
      if (c === " ") {
        i++;
        continue;
      }
      if (c === "#" && line[i - 1] === " ") break;
      const top = stack[stack.length - 1];
      if (top.kind === "[") {
        if (c === "]") {
          stack.pop();
          i++;
          continue;
        }
        if (c === ",") {
          top.itemStart = true;
          i++;
          continue;
        }
        if (!top.itemStart) notPlain();
        top.itemStart = false;
        if (c === "[" || c === "{") {
          stack.push(c === "[" ? { kind: "[", itemStart: true } : { kind: "{", want: "key", keys: 0 });
          i++;
          continue;
        }
        i = flowScalar(line, i);
        if (line[i] === ":") notPlain(); // a pair in a list
        continue;
      }
      // A map: `key: value` pairs, separated by commas.
      if (top.want === "key") {
        // `{}`; a comma before the brace (`{a: 1,}`) is read differently.
        if (c === "}" && top.keys === 0) {
          stack.pop();
          i++;
          continue;
        }
        i = flowKey(line, i);
        keys++;
        top.keys++;
        // `key: ` with the colon right after the key: `{"a":1}`, `{a :1}` are read differently.
        if (line[i] !== ":" || line[i + 1] !== " ") notPlain();
        i += 2;
        top.want = "value";
        continue;
      }
      if (top.want === "value") {
        top.want = "after";
        if (c === "[" || c === "{") {
          stack.push(c === "[" ? { kind: "[", itemStart: true } : { kind: "{", want: "key", keys: 0 });
          i++;
          continue;
        }
        // An empty value (`{a: , b: 1}`, `{a: }`) is null to one reader and an error to another.
        if (c === "," || c === "}") notPlain();
        i = flowScalar(line, i);
        if (line[i] === ":") notPlain();
        continue;
      }
      // After a value: the next pair or the end of the map.
      if (c === ",") {
        top.want = "key";
        i++;
      } else if (c === "}") {
        stack.pop();
        i++;
      } else notPlain();
    }
    if (stack.some((f) => f.kind === "{")) notPlain(); // a map over several lines
    return { pos: i, depth: stack.length };
  };

  /** A scalar in a flow collection, quoted or plain; returns the index just past it. */
  const flowScalar = (line: string, from: number): number => {
    const c = line[from];
    if (c === "{" || c === "}" || c === "|" || c === ">" || UNSUPPORTED_START.has(c)) notPlain();
    if (c === '"' || c === "'") return closeQuote(line, from);
    // A plain scalar in a flow: up to `,`, a bracket or a comment; `: ` would make a pair.
    let i = from;
    while (i < line.length && !",[]{}".includes(line[i]) && !(line[i] === " " && line[i + 1] === "#")) {
      if (line[i] === ":" && (isBlank(line[i + 1]) || ",[]{}".includes(line[i + 1]))) notPlain();
      i++;
    }
    checkPlainValue(line.slice(from, i));
    return i;
  };

  /** A key of a flow map, quoted or plain (a word, without `:`); returns the index just past it. */
  const flowKey = (line: string, from: number): number => {
    const c = line[from];
    if (c === '"' || c === "'") return closeQuote(line, from);
    let i = from;
    while (i < line.length && !":,[]{}#".includes(line[i])) i++;
    const key = line.slice(from, i);
    if (key.endsWith(" ") || !STRING_KEY_START.test(key) || NON_STRING_KEY.test(key)) notPlain();
    return i;
  };

  /**
   * The node starting at `pos`. `owner`: the column the node belongs to (its key's or
   * its `- `'s), which the lines of a block or plain scalar must be indented beyond.
   * `keyAllowed`: false for the value after a `key:` on the same line.
   */
  const scanNode = (line: string, pos: number, owner: number, keyAllowed: boolean, alone = false): Carry => {
    const c = line[pos];
    if (UNSUPPORTED_START.has(c)) notPlain();
    if (c === "-" && isBlank(line[pos + 1])) {
      if (!keyAllowed) notPlain(); // a list on the same line as its key
      let next = pos + 1;
      while (line[next] === " ") next++;
      if (next >= line.length || restIsEmpty(line, next)) return { kind: "none" };
      return scanNode(line, next, pos, true);
    }
    if (c === "|" || c === ">") {
      // Alone on its line, the block's indentation would be its parent's, which this
      // scan does not follow; indentation indicators (`|2`) are read differently.
      if (alone || !/^[|>][-+]?( +#.*)? *$/.test(line.slice(pos))) notPlain();
      return { kind: "block", indent: owner };
    }
    if (c === "[" || c === "{") {
      const flow = scanFlow(line, pos + 1, [
        c === "[" ? { kind: "[", itemStart: true } : { kind: "{", want: "key", keys: 0 },
      ]);
      if (flow.depth > 0) return { kind: "flow", depth: flow.depth, indent: owner };
      if (!restIsEmpty(line, flow.pos)) notPlain();
      return { kind: "none" };
    }
    let end: number;
    let quoted = false;
    if (c === '"' || c === "'") {
      end = closeQuote(line, pos);
      quoted = true;
      let i = end;
      while (line[i] === " ") i++;
      if (line[i] === ":" ? !isBlank(line[i + 1]) : !restIsEmpty(line, i)) notPlain();
      end = i;
    } else {
      // A plain scalar ends at `: ` (a key), at ` #` (a comment) or at the end of the line.
      end = pos;
      while (end < line.length && !(line[end] === ":" && isBlank(line[end + 1]))) {
        if (line[end] === " " && line[end + 1] === "#") break;
        end++;
      }
      if (line[end] !== ":") {
        // A value. Alone on its line, it could go on at its parent's indentation,
        // which this scan does not follow.
        if (alone) notPlain();
        checkPlainValue(line.slice(pos, end));
        return { kind: "plain", indent: owner };
      }
    }
    if (line[end] !== ":") return { kind: "none" };
    // `key:`
    if (!keyAllowed) notPlain();
    if (!quoted) {
      const key = line.slice(pos, end).trimEnd();
      if (!STRING_KEY_START.test(key) || NON_STRING_KEY.test(key)) notPlain();
    }
    keys++;
    let value = end + 1;
    while (line[value] === " ") value++;
    if (value >= line.length || restIsEmpty(line, value)) return { kind: "none" };
    return scanNode(line, value, pos, false);
  };

  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    let indent = 0;
    while (line[indent] === " ") indent++;
    const blank = indent >= line.length;
    if (carry.kind === "block") {
      if (blank && line.length > 0) notPlain(); // spaces-only lines in a block scalar are read differently
      if (blank || indent > carry.indent) continue;
      carry = { kind: "none" };
    }
    if (blank) continue;
    if (line[indent] === "#") {
      // A comment ends a plain scalar: what follows is read as nodes again.
      if (carry.kind === "plain") carry = { kind: "none" };
      continue;
    }
    if (carry.kind === "flow") {
      if (indent <= carry.indent) notPlain();
      // Only lists go on over lines; each line's first item may start at once.
      const lists: Flow[] = Array.from({ length: carry.depth }, () => ({ kind: "[", itemStart: true }));
      const flow = scanFlow(line, indent, lists);
      if (flow.depth > 0) {
        carry = { kind: "flow", depth: flow.depth, indent: carry.indent };
        continue;
      }
      if (!restIsEmpty(line, flow.pos)) notPlain();
      carry = { kind: "none" };
      continue;
    }
    if (carry.kind === "plain" && indent > carry.indent) {
      // More of a plain scalar: text, in which `: ` or a quote would be something else.
      if (/:( |$)/.test(line) || /^\s*["'[{|>&*!?%@`-]/.test(line)) notPlain();
      continue;
    }
    if (indent === 0 && (/^(---|\.\.\.)( |$)/.test(line) || line[0] === "%")) notPlain();
    carry = scanNode(line, indent, indent, true, true);
  }
  if (carry.kind === "flow") notPlain();
  return keys;
}
