/** @jsxImportSource preact */
/**
 * A JSON value as a tree of native <details> (collapsible with the keyboard, no script
 * state), with a button that copies the whole value.
 */
import { useState } from "preact/hooks";

function Node({ name, value, depth }: { name?: string; value: unknown; depth: number }) {
  const label = name !== undefined ? <span class="key">{name}: </span> : null;
  if (value === null || typeof value !== "object") {
    const kind = value === null ? "null" : typeof value;
    return (
      <div class="leaf">
        {label}
        <span class={`v-${kind}`}>{JSON.stringify(value)}</span>
      </div>
    );
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : Object.entries(value as Record<string, unknown>);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return (
    <details open={depth < 2}>
      <summary>
        {label}
        {open}
        <span class="count">{entries.length}</span>
        {close}
      </summary>
      <div class="children">
        {entries.map(([k, v]) => (
          <Node key={k} name={k} value={v} depth={depth + 1} />
        ))}
      </div>
    </details>
  );
}

export function JsonView({ value, label }: { value: unknown; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(JSON.stringify(value, null, 2));
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <div class="json" data-testid="output">
      <div class="json-bar">
        <strong>{label}</strong>
        <button type="button" onClick={copy} aria-label={`copy ${label} as JSON`}>
          {copied ? "copied" : "copy"}
        </button>
      </div>
      <Node value={value} depth={0} />
    </div>
  );
}
