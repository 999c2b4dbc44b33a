// biome-ignore-all lint/suspicious/noExplicitAny: reply bodies are untyped JSON that tests pick apart
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The controller's HTTP API in-process, for tests: the real app (createApp), run
 * manager, run store and metrics over a project loaded from a compose document, with a
 * fake executor instead of real runs, called through `app.request()` as Hono's own tests
 * do. No process is spawned and no port is opened. Documents use the `echo` component
 * (../_test-project.ts): the core's tests load no plugin.
 */

import { loadDoc } from "../_test-project.ts";
import type { Project } from "../compose/model.ts";
import { silentLogger } from "../log.ts";
import { MemoryTaskStore } from "../store/memory.ts";
import type { RunEventListener } from "../workflow/events.ts";
import type { JobState } from "../workflow/run-state.ts";
import { createApp } from "./app.ts";
import { RunEventLog } from "./event-log.ts";
import type { RunExecutor, RunOutcome, RunRequest } from "./executor.ts";
import { ControllerMetrics } from "./metrics.ts";
import { RunManager } from "./run-manager.ts";

/** What a fake run does: its output, or a throw (a failed run). */
export type FakeRun = (request: RunRequest, signal: AbortSignal) => unknown | Promise<unknown>;

/** Echoes the input as the output, marks every job completed, and records each request. */
export class FakeExecutor implements RunExecutor {
  readonly requests: RunRequest[] = [];
  constructor(
    private readonly project: Project,
    private readonly behave: FakeRun = (request) => request.input,
  ) {}

  async execute(request: RunRequest, signal: AbortSignal, _onEvent: RunEventListener): Promise<RunOutcome> {
    this.requests.push(request);
    const jobs = this.project.workflows.get(request.workflowId)?.jobs ?? [];
    const output = await this.behave(request, signal);
    const states: JobState[] = jobs.map((j) => ({ id: j.id, status: "completed" }));
    return { output, jobs: states };
  }

  async close(): Promise<void> {}
}

export { loadDoc };

export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when it is not JSON. */
  body: any;
  text: string;
}

export interface TestApp {
  project: Project;
  executor: FakeExecutor;
  manager: RunManager;
  store: MemoryTaskStore;
  /** A request to the app; `path` is relative to http://127.0.0.1:8080 unless it is a full URL. */
  request(path: string, init?: RequestInit): Promise<Reply>;
  /** POSTs `body` (serialised unless a string) as JSON. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
}

/** A one-workflow document (`greet`, the default) for tests that need any workflow. */
export const GREET = {
  workflows: [
    {
      id: "greet",
      default: true,
      jobs: [{ id: "say", component: "echo", input: { name: "${input.name}" } }],
    },
  ],
};

/** Loads `doc` as a project and builds the app over it (`controller` fields merge over the doc's). */
export async function testApp(
  doc: Record<string, unknown> = GREET,
  options: { run?: FakeRun; controller?: Record<string, unknown>; instanceId?: string } = {},
): Promise<TestApp> {
  const project = await loadDoc({
    ...doc,
    controller: { ...(doc.controller as object), ...options.controller },
  });
  const store = new MemoryTaskStore();
  const metrics = new ControllerMetrics();
  const executor = new FakeExecutor(project, options.run);
  const manager = new RunManager(project, store, metrics, executor, silentLogger());
  const app = createApp({
    project,
    manager,
    store,
    metrics,
    events: new RunEventLog(),
    instanceId: options.instanceId ?? "test-instance",
  });
  const request = async (path: string, init: RequestInit = {}): Promise<Reply> => {
    const url = /^https?:/.test(path) ? path : `http://127.0.0.1:8080${path}`;
    const headers = new Headers(init.headers);
    // What a real client sends; app.request() leaves it out.
    if (!headers.has("host")) headers.set("host", new URL(url).host);
    const res = await app.request(url, { ...init, headers });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, headers: res.headers, body, text };
  };
  return {
    project,
    executor,
    manager,
    store,
    request,
    post: (path, body, headers = {}) =>
      request(path, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
  };
}
