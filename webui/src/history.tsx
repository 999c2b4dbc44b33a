/** @jsxImportSource preact */
/** Past and current runs from the store (GET {base}/tasks): filters, pages, links. */
import { useEffect, useState } from "preact/hooks";
import { ApiError, json, type Task, type TaskPage, type WorkflowSummary } from "./api.ts";

const STATUSES = ["pending", "running", "completed", "failed", "cancelled", "interrupted"];
const PAGE = 20;

export function History({
  workflows,
  workflow: initialWorkflow,
}: {
  workflows: WorkflowSummary[];
  workflow?: string;
}) {
  const [workflow, setWorkflow] = useState(initialWorkflow ?? "");
  const [status, setStatus] = useState("");
  const [pages, setPages] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<TaskPage | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const cursor = pages[pages.length - 1];

  useEffect(() => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (workflow) q.set("workflow_id", workflow);
    if (status) q.set("status", status);
    if (cursor) q.set("cursor", cursor);
    setProblem(null);
    json<TaskPage | Task[]>(`/tasks?${q}`).then(
      (p) => setPage(Array.isArray(p) ? { tasks: p } : p),
      (error) =>
        setProblem(
          error instanceof ApiError && (error.status === 404 || error.status === 405)
            ? "This controller keeps no run history."
            : (error as Error).message,
        ),
    );
  }, [workflow, status, cursor]);

  const filter = (set: (v: string) => void) => (e: Event) => {
    set((e.target as HTMLSelectElement).value);
    setPages([undefined]);
  };

  return (
    <section class="history">
      <h2>Runs</h2>
      <div class="filters">
        <label>
          workflow{" "}
          <select value={workflow} onChange={filter(setWorkflow)} aria-label="filter by workflow">
            <option value="">all</option>
            {workflows.map((w) => (
              <option key={w.id} value={w.id}>
                {w.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          status{" "}
          <select value={status} onChange={filter(setStatus)} aria-label="filter by status">
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {problem && <p class="notice">{problem}</p>}
      {page && page.tasks.length === 0 && <p class="muted">No runs.</p>}
      {page && page.tasks.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>run</th>
              <th>workflow</th>
              <th>status</th>
              <th>started</th>
            </tr>
          </thead>
          <tbody>
            {page.tasks.map((t) => (
              <tr key={t.task_id} data-status={t.status}>
                <td>
                  <a href={`#/runs/${t.task_id}`}>
                    <code>{t.task_id.slice(-8)}</code>
                  </a>
                </td>
                <td>{t.workflow_id}</td>
                <td>
                  <span class={`badge s-${t.status}`}>{t.status}</span>
                </td>
                <td>{new Date(t.created_at).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="pager">
        <button type="button" disabled={pages.length <= 1} onClick={() => setPages(pages.slice(0, -1))}>
          newer
        </button>
        <button
          type="button"
          disabled={!page?.next_cursor}
          onClick={() => page?.next_cursor && setPages([...pages, page.next_cursor])}
        >
          older
        </button>
      </div>
    </section>
  );
}
