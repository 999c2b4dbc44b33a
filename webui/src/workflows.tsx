/** @jsxImportSource preact */
/**
 * The workflows (id, title, description, the default marked) and a form per workflow
 * built from its input variables: typed fields where the bindings name a type, a JSON
 * editor for the rest. The last input given is remembered (local storage).
 */
import { useEffect, useState } from "preact/hooks";
import { type InputField, json, post, type WorkflowDetail, type WorkflowSummary } from "./api.ts";

export function WorkflowList({ workflows, current }: { workflows: WorkflowSummary[]; current?: string }) {
  if (workflows.length === 0) return <p class="muted">This controller has no workflows.</p>;
  return (
    <ul class="workflows">
      {workflows.map((w) => (
        <li key={w.id} class={w.id === current ? "current" : ""}>
          <a
            href={`#/workflows/${encodeURIComponent(w.id)}`}
            aria-current={w.id === current ? "page" : undefined}
          >
            <span class="wf-title">{w.title ?? w.id}</span>
            {w.default && <span class="badge">default</span>}
            {w.title && <code class="wf-id">{w.id}</code>}
          </a>
          {w.description && <p class="muted">{w.description}</p>}
        </li>
      ))}
    </ul>
  );
}

type Kind = "text" | "integer" | "number" | "boolean" | "select" | "json";

/** How a field is edited, from its `as` type. */
function kindOf(field: InputField): Kind {
  const t = field.type ?? "";
  if (t === "select" && field.options?.length) return "select";
  if (t === "integer") return "integer";
  if (t === "number" || t === "float") return "number";
  if (t === "boolean") return "boolean";
  if (t === "" || t === "text" || t === "string" || t === "markdown" || t === "base64") return "text";
  return "json";
}

const LAST = (id: string) => `model-compose.last-input.${id}`;

function toValue(kind: Kind, raw: string | boolean): unknown {
  if (kind === "boolean") return raw === true;
  const text = String(raw);
  if (text === "") return undefined;
  if (kind === "integer" || kind === "number") return Number(text);
  if (kind === "json") return JSON.parse(text);
  return text;
}

function toRaw(kind: Kind, value: unknown): string | boolean {
  if (kind === "boolean") return value === true;
  if (value === undefined || value === null) return "";
  if (kind === "json") return JSON.stringify(value, null, 2);
  return String(value);
}

export function WorkflowForm({ id, onStarted }: { id: string; onStarted: (taskId: string) => void }) {
  const [workflow, setWorkflow] = useState<WorkflowDetail | null>(null);
  const [raw, setRaw] = useState<Record<string, string | boolean>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setWorkflow(null);
    setProblem(null);
    json<WorkflowDetail>(`/workflows/${encodeURIComponent(id)}`).then(
      (w) => {
        const last = JSON.parse(localStorage.getItem(LAST(w.id)) ?? "{}") as Record<string, unknown>;
        setRaw(Object.fromEntries(w.input.map((f) => [f.name, toRaw(kindOf(f), last[f.name])])));
        setWorkflow(w);
      },
      (error) => setProblem((error as Error).message),
    );
  }, [id]);

  if (problem && !workflow) return <p class="notice">{problem}</p>;
  if (!workflow) return <p class="muted">loading…</p>;

  const submit = async (e: Event) => {
    e.preventDefault();
    const input: Record<string, unknown> = {};
    for (const f of workflow.input) {
      try {
        const value = toValue(kindOf(f), raw[f.name]);
        if (value !== undefined) input[f.name] = value;
      } catch (error) {
        setProblem(`${f.name}: not valid JSON: ${(error as Error).message}`);
        return;
      }
    }
    setBusy(true);
    setProblem(null);
    try {
      const started = await post<{ task_id: string }>("/workflows/runs", {
        workflow_id: workflow.id,
        input,
        wait_for_completion: false,
      });
      localStorage.setItem(LAST(workflow.id), JSON.stringify(input));
      onStarted(started.task_id);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="run-form" onSubmit={submit} aria-label={`run ${workflow.id}`}>
      <h2>
        {workflow.title ?? workflow.id} {workflow.default && <span class="badge">default</span>}
      </h2>
      {workflow.description && <p class="muted">{workflow.description}</p>}
      <p class="muted small">jobs: {workflow.jobs.map((j) => j.id).join(" → ")}</p>
      {workflow.input.length === 0 && <p class="muted">This workflow takes no input.</p>}
      {workflow.input.map((f) => {
        const kind = kindOf(f);
        const fieldId = `in-${f.name}`;
        const set = (value: string | boolean) => setRaw({ ...raw, [f.name]: value });
        const label = (
          <label for={fieldId}>
            {f.name}
            {f.required && <abbr title="required"> *</abbr>}
            {f.type && <span class="muted small"> {f.type}</span>}
          </label>
        );
        let control: preact.JSX.Element;
        if (kind === "boolean")
          control = (
            <input
              id={fieldId}
              type="checkbox"
              checked={raw[f.name] === true}
              onChange={(e) => set((e.target as HTMLInputElement).checked)}
            />
          );
        else if (kind === "select")
          control = (
            <select
              id={fieldId}
              value={String(raw[f.name] ?? "")}
              onChange={(e) => set((e.target as HTMLSelectElement).value)}
            >
              <option value="">—</option>
              {f.options!.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          );
        else if (kind === "json")
          control = (
            <textarea
              id={fieldId}
              class="code"
              rows={4}
              spellcheck={false}
              placeholder="JSON"
              value={String(raw[f.name] ?? "")}
              onInput={(e) => set((e.target as HTMLTextAreaElement).value)}
            />
          );
        else if (kind === "text")
          control = (
            <input
              id={fieldId}
              type="text"
              required={f.required}
              value={String(raw[f.name] ?? "")}
              onInput={(e) => set((e.target as HTMLInputElement).value)}
            />
          );
        else
          control = (
            <input
              id={fieldId}
              type="number"
              step={kind === "integer" ? 1 : "any"}
              required={f.required}
              value={String(raw[f.name] ?? "")}
              onInput={(e) => set((e.target as HTMLInputElement).value)}
            />
          );
        return (
          <div class="field" key={f.name}>
            {label}
            {control}
            {f.description && <p class="muted small">{f.description}</p>}
          </div>
        );
      })}
      {problem && (
        <p class="notice" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        Run
      </button>
    </form>
  );
}
