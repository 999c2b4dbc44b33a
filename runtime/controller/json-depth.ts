/**
 * How deeply a JSON text nests, found before parsing it. Everything that later walks an
 * input (bindings, the task store, the reply's serialisation) recurses, and a 100 KB body
 * of 50 000 `[` would overflow the stack in one of them: `controller.max_json_depth`
 * refuses it at the door. One linear pass that skips strings; no parsing.
 */

/** The nesting depth of `text` (0 for a scalar), or the first depth over `limit` if it is deeper. */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x5b /* [ */ || ch === 0x7b /* { */) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (ch === 0x5d /* ] */ || ch === 0x7d /* } */) {
      depth--;
    }
  }
  return max;
}
