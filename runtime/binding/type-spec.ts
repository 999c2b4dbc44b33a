/**
 * The type after `as`: `number`, `object[]/a,b.c`, and upstream's hints (`select/a,b`,
 * `image/png;base64`, `audio[]`, `audio/pcm[sample_rate=24000]`) as a TypeSpec.
 */
import type { MediaFormat, TypeName, TypeSpec } from "./ast.ts";
import { SyntaxFailure } from "./lexer.ts";

export const TYPE_NAMES: readonly TypeName[] = [
  "text",
  "number",
  "integer",
  "boolean",
  "json",
  "base64",
  "object",
  "object[]",
  "list",
  "string",
  "int",
  "markdown",
  "select",
  "stream",
  "any",
  "image",
  "audio",
  "video",
  "file",
];
const MEDIA_FORMATS: readonly MediaFormat[] = ["base64", "url", "path", "data-uri"];
/** Types whose `/...` is a subtype (`image/png`) or options (`select/a,b`), not a field list. */
const SUBTYPED = new Set<TypeName>(["select", "stream", "image", "audio", "video", "file"]);
const FIELD_PART = /^[A-Za-z0-9_-]+$/;

/** Parses the raw type text read after `as` (starting at offset `start`). */
export function parseTypeText(text: string, start: number): TypeSpec {
  if (text === "")
    throw new SyntaxFailure(`expected a type after "as" (one of ${TYPE_NAMES.join(", ")})`, start);
  const semicolon = text.indexOf(";");
  const typeText = semicolon < 0 ? text : text.slice(0, semicolon);
  const slash = typeText.indexOf("/");
  let name = (slash < 0 ? typeText : typeText.slice(0, slash)) as TypeName;
  let list = false;
  if (name.endsWith("[]") && name !== "object[]" && TYPE_NAMES.includes(name.slice(0, -2) as TypeName)) {
    name = name.slice(0, -2) as TypeName;
    list = true;
  }
  if (!TYPE_NAMES.includes(name)) {
    throw new SyntaxFailure(
      `unknown type ${JSON.stringify(name)} after "as"; expected one of ${TYPE_NAMES.join(", ")}`,
      start,
    );
  }
  let format: MediaFormat | undefined;
  if (semicolon >= 0) {
    format = text.slice(semicolon + 1) as MediaFormat;
    if (!MEDIA_FORMATS.includes(format)) {
      throw new SyntaxFailure(
        `unknown format ${JSON.stringify(format)} after ";"; expected one of ${MEDIA_FORMATS.join(", ")}`,
        start + semicolon + 1,
      );
    }
  }
  const extra = { ...(list ? { list } : {}), ...(format ? { format } : {}) };
  if (slash < 0) return { name, text, ...extra };
  if (SUBTYPED.has(name)) {
    const rest = typeText.slice(slash + 1).replace(/\[.*\]$/, "");
    if (name === "select") return { name, text, options: rest.split(",").map((o) => o.trim()), ...extra };
    return { name, text, subtype: rest, ...extra };
  }
  if (name !== "object" && name !== "object[]") {
    throw new SyntaxFailure(`type "${name}" takes no field list; only object and object[] do`, start + slash);
  }
  const fields = typeText
    .slice(slash + 1)
    .split(",")
    .map((f) => f.trim().split("."));
  for (const parts of fields) {
    if (!parts.every((p) => FIELD_PART.test(p))) {
      throw new SyntaxFailure(
        `bad field list after "${name}/"; expected names like a,b.c`,
        start + slash + 1,
      );
    }
  }
  return { name, fields, text, ...extra };
}
