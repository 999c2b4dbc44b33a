/** @jsxImportSource preact */
/**
 * The controller's web page: a client of the public API only. Hash routes:
 * `#/workflows/ID` (its form), `#/runs/ID` (a run, live), `#/runs` (history).
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { json, onNeedsKey, setApiKey, type WorkflowSummary } from "./api.ts";
import { History } from "./history.tsx";
import { RunView } from "./run-view.tsx";
import { WorkflowForm, WorkflowList } from "./workflows.tsx";

type Route = { page: "workflow"; id?: string } | { page: "run"; id: string } | { page: "history" };

function parseRoute(hash: string): Route {
  const [, page, id] = hash.replace(/^#/, "").split("/");
  if (page === "runs" && id) return { page: "run", id: decodeURIComponent(id) };
  if (page === "runs") return { page: "history" };
  return { page: "workflow", id: id ? decodeURIComponent(id) : undefined };
}

function go(hash: string): void {
  location.hash = hash;
}

function KeyPrompt({ onKey }: { onKey: () => void }) {
  const [value, setValue] = useState("");
  return (
    <form
      class="key-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        setApiKey(value.trim());
        onKey();
      }}
    >
      <h2>API key</h2>
      <p class="muted">This controller needs an API key. It is kept in this tab only (session storage).</p>
      <label for="api-key">key</label>
      <input
        id="api-key"
        type="password"
        autocomplete="off"
        required
        value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
      />
      <button type="submit" class="primary">
        Use key
      </button>
    </form>
  );
}

function App() {
  const [route, setRoute] = useState(parseRoute(location.hash));
  const [workflows, setWorkflows] = useState<WorkflowSummary[] | null>(null);
  const [needsKey, setNeedsKey] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onHash);
    const off = onNeedsKey(() => {
      setApiKey(null);
      setNeedsKey(true);
    });
    return () => {
      removeEventListener("hashchange", onHash);
      off();
    };
  }, []);

  useEffect(() => {
    json<WorkflowSummary[]>("/workflows").then(
      (list) => {
        setNeedsKey(false);
        setProblem(null);
        setWorkflows(list);
      },
      (error) => {
        if (error?.constructor?.name !== "NeedsKey") setProblem((error as Error).message);
      },
    );
  }, [attempt]);

  if (needsKey)
    return (
      <main>
        <KeyPrompt onKey={() => setAttempt(attempt + 1)} />
      </main>
    );
  if (problem) return <p class="notice">{problem}</p>;
  if (!workflows) return <p class="muted">loading…</p>;

  const selected =
    route.page === "workflow"
      ? (route.id ?? workflows.find((w) => w.default)?.id ?? workflows[0]?.id)
      : undefined;
  return (
    <div class="layout">
      <nav aria-label="workflows">
        <WorkflowList workflows={workflows} current={selected} />
        <a class="history-link" href="#/runs" aria-current={route.page === "history" ? "page" : undefined}>
          Run history
        </a>
      </nav>
      <main>
        {route.page === "workflow" && selected && (
          <WorkflowForm id={selected} onStarted={(id) => go(`#/runs/${id}`)} />
        )}
        {route.page === "run" && <RunView taskId={route.id} onRetried={(id) => go(`#/runs/${id}`)} />}
        {route.page === "history" && <History workflows={workflows} />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
