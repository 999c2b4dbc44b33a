/**
 * The images a Dockerfile builds FROM, with build arguments substituted. The runtime
 * adds their image ids to the hash that decides whether an image must be rebuilt, so a
 * base image rebuilt or re-pulled under the same tag is noticed.
 */

/** Dockerfile lines with `\` continuations joined and comments dropped. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let current = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (current === "" && /^\s*#/.test(line)) continue;
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    out.push(current + line);
    current = "";
  }
  if (current) out.push(current);
  return out.map((l) => l.trim()).filter(Boolean);
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
  for (const line of logicalLines(text)) {
    const [instruction, ...rest] = line.split(/\s+/);
    const keyword = instruction.toUpperCase();
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
