/**
 * The images a Dockerfile builds FROM, with build arguments substituted. The runtime
 * adds their image ids to the hash that decides whether an image must be rebuilt, so a
 * base image rebuilt or re-pulled under the same tag is noticed.
 */

/** One Dockerfile instruction: `\` continuations joined, comments dropped, with its first line's number. */
export interface Instruction {
  line: number;
  /** Upper-cased: FROM, RUN, COPY, ... */
  keyword: string;
  /** What follows the keyword, trimmed. */
  args: string;
}

/** The instructions of a Dockerfile, in order. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current = "";
  let start = 0;
  const push = () => {
    const trimmed = current.trim();
    current = "";
    if (!trimmed) return;
    const [keyword] = trimmed.split(/\s+/, 1);
    out.push({ line: start, keyword: keyword.toUpperCase(), args: trimmed.slice(keyword.length).trim() });
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line)) return;
    if (current === "") start = i + 1;
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1)} `;
      return;
    }
    current += line;
    push();
  });
  push();
  return out;
}

/** `$NAME`, `${NAME}`, `${NAME:-default}`; undefined when a variable has no value. */
function substitute(value: string, vars: ReadonlyMap<string, string>): string | undefined {
  let unresolved = false;
  const out = value.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const found = vars.get(name);
      if (found !== undefined && found !== "") return found;
      if (fallback !== undefined) return fallback;
      unresolved = true;
      return "";
    },
  );
  return unresolved ? undefined : out;
}

/**
 * The external images `text` builds from, in order and without repeats: not `scratch`,
 * not earlier stages, not ones whose name depends on an argument without a value.
 * `buildArgs` win over the defaults of the `ARG` lines before the first `FROM`.
 */
export function baseImages(text: string, buildArgs: Readonly<Record<string, string>> = {}): string[] {
  const vars = new Map<string, string>();
  const stages = new Set<string>();
  const images: string[] = [];
  let seenFrom = false;
  for (const { keyword, args } of instructions(text)) {
    const rest = args.split(/\s+/);
    if (keyword === "ARG" && !seenFrom) {
      for (const decl of rest) {
        const eq = decl.indexOf("=");
        const name = eq < 0 ? decl : decl.slice(0, eq);
        const given = buildArgs[name];
        if (given !== undefined) vars.set(name, given);
        else if (eq >= 0) vars.set(name, decl.slice(eq + 1).replace(/^(["'])(.*)\1$/, "$2"));
      }
      continue;
    }
    if (keyword !== "FROM") continue;
    seenFrom = true;
    const words = rest.filter((w) => !w.startsWith("--"));
    const image = words[0] === undefined ? undefined : substitute(words[0], vars);
    const external = image && image.toLowerCase() !== "scratch" && !stages.has(image.toLowerCase());
    if (external && !images.includes(image)) images.push(image);
    if (words[1]?.toUpperCase() === "AS" && words[2]) stages.add(words[2].toLowerCase());
  }
  return images;
}
