/**
 * Safe substitution into a shell command string. Each `${...}` value becomes an
 * environment variable of the child process, and the command text refers to it in a
 * form that fits the quoting context where the binding was written:
 *   unquoted:        "${MC_ARG_0}"
 *   in "...":        ${MC_ARG_0}
 *   in '...':        '"${MC_ARG_0}"'
 * The shell therefore only ever expands a variable: a value such as `"; rm -rf ~"`
 * or `$(id)` stays data and can never change the command's structure.
 */

const MARK = "\u0000MC";

/** Quote function for renderDeferred: records the value, returns a placeholder. */
export function placeholderQuoter(values: string[]): (value: unknown) => string {
  return (value) => {
    const text =
      value === null || value === undefined
        ? ""
        : typeof value === "object"
          ? JSON.stringify(value)
          : String(value);
    values.push(text);
    return `${MARK}${values.length - 1}\u0000`;
  };
}

/** Replaces placeholders by variable references that fit their quoting context. */
export function bindPlaceholders(command: string): string {
  let out = "";
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i];
    if (command.startsWith(MARK, i)) {
      const end = command.indexOf("\u0000", i + MARK.length);
      const name = `MC_ARG_${command.slice(i + MARK.length, end)}`;
      out += quote === '"' ? `\${${name}}` : quote === "'" ? `'"\${${name}}"'` : `"\${${name}}"`;
      i = end;
      continue;
    }
    if (ch === "\\" && quote !== "'") {
      out += ch + (command[i + 1] ?? "");
      i++;
      continue;
    }
    if ((ch === "'" || ch === '"') && (quote === null || quote === ch)) quote = quote === null ? ch : null;
    out += ch;
  }
  return out;
}
