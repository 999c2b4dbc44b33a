/**
 * Command-line words to tokens, as `parseArgs` from node:util gives them with
 * `{ strict: false, allowPositionals: true, tokens: true }`: the same tokens in the
 * same order, with the same `index`, `name`, `rawName`, `value` and `inlineValue`
 * (arg-tokens.test.ts checks this against node:util on generated command lines).
 *
 * Written here because importing node:util loads Node's primordials: about 3 ms of
 * every command's start-up (an empty compiled program starts in about 7 ms), and
 * `model-compose --version` needed nothing else from it.
 */

export type ArgToken =
  | { kind: "positional"; index: number; value: string }
  | { kind: "option-terminator"; index: number }
  | {
      kind: "option";
      index: number;
      /** The long name, or the letter of a short option that has none. */
      name: string;
      /** As typed: `-f`, `--file`. */
      rawName: string;
      value: string | undefined;
      /** Whether the value was in the same word (`--file=x`, `-fx`); undefined without a value. */
      inlineValue: boolean | undefined;
    };

export interface TokenOptions {
  [long: string]: { type: "string" | "boolean"; short?: string };
}

export function argTokens(args: readonly string[], options: TokenOptions): ArgToken[] {
  const longOf = (short: string): string => {
    for (const long of Object.keys(options)) if (options[long].short === short) return long;
    return short;
  };
  const takesValue = (long: string) => Object.hasOwn(options, long) && options[long].type === "string";
  const tokens: ArgToken[] = [];
  const remaining = [...args];
  let index = -1;
  // Words still to come from the last short group.
  let groupCount = 0;
  /** An option written alone; one that takes a value takes the next word, if any. */
  const withNextValue = (name: string, rawName: string) => {
    const value = takesValue(name) && remaining.length > 0 ? remaining.shift() : undefined;
    tokens.push({
      kind: "option",
      name,
      rawName,
      index,
      value,
      inlineValue: value === undefined ? undefined : false,
    });
    if (value !== undefined) index++;
  };
  while (remaining.length > 0) {
    const arg = remaining.shift()!;
    // A word a short group expanded into (`-v-` gives `-v` and `--`) is one short option
    // whatever its letter, and shares the group's index.
    const fromGroup = groupCount > 0;
    if (fromGroup) groupCount--;
    else index++;

    if (arg === "--" && !fromGroup) {
      tokens.push({ kind: "option-terminator", index });
      for (const value of remaining) tokens.push({ kind: "positional", index: ++index, value });
      break;
    }
    const short = arg.length >= 2 && arg[0] === "-" && (arg[1] !== "-" || fromGroup);
    if (short && arg.length === 2) {
      // -f, or -f VALUE for an option that takes one (the value may start with a dash).
      withNextValue(longOf(arg[1]), arg);
      continue;
    }
    if (short) {
      const first = longOf(arg[1]);
      if (takesValue(first)) {
        // -fVALUE
        tokens.push({
          kind: "option",
          name: first,
          rawName: `-${arg[1]}`,
          index,
          value: arg.slice(2),
          inlineValue: true,
        });
        continue;
      }
      // -abc is -a -b -c; a letter that takes a value takes the rest of the word (-abfFILE).
      const expanded: string[] = [];
      for (let i = 1; i < arg.length; i++) {
        if (!takesValue(longOf(arg[i])) || i === arg.length - 1) expanded.push(`-${arg[i]}`);
        else {
          expanded.push(`-${arg.slice(i)}`);
          break;
        }
      }
      remaining.unshift(...expanded);
      groupCount = expanded.length;
      continue;
    }
    if (arg.length > 2 && arg.startsWith("--")) {
      // `--=x` is an option named `=x`: a name is at least one character before the `=`.
      const equals = arg.indexOf("=");
      if (equals < 3) {
        // --file, or --file VALUE
        withNextValue(arg.slice(2), arg);
      } else {
        // --file=VALUE
        const name = arg.slice(2, equals);
        tokens.push({
          kind: "option",
          name,
          rawName: `--${name}`,
          index,
          value: arg.slice(equals + 1),
          inlineValue: true,
        });
      }
      continue;
    }
    tokens.push({ kind: "positional", index, value: arg });
  }
  return tokens;
}
