// biome-ignore-all lint/suspicious/noExplicitAny: reply bodies are untyped JSON that tests pick apart
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The controller's HTTP API in-process, for tests: the real app (createApp), run
 * manager, task store and metrics over a project loaded from a compose document, with a
 * fake executor instead of real runs, called through `app.request()` as Hono's own tests
 * do. No process is spawned and no port is opened.
 */
import YAML from "yaml";
import { project as projectDir } from "../../tests/support/files.ts";
import { loadProject } from "../compose/load.ts";
import type { Project } from "../compose/model.ts";
import { silentLogger } from "../log.ts";
import type { JobState, RunObserver } from "../workflow/run-state.ts";
import { createApp } from "./app.ts";
import type { RunExecutor, RunOutcome, RunRequest } from "./executor.ts";
import { ControllerMetrics } from "./metrics.ts";
import { RunManager } from "./run-manager.ts";
import { MemoryTaskStore } from "./task-store.ts";

/** What a fake run does: its output, or a throw (a failed run). */
export type FakeRun = (request: RunRequest, signal: AbortSignal) => unknown | Promise<unknown>;

/** Echoes the input as the output, marks every job completed, and records each request. */
export class FakeExecutor implements RunExecutor {
  readonly requests: RunRequest[] = [];
  constructor(
    private readonly project: Project,
    private readonly behave: FakeRun = (request) => request.input,
  ) {}

  async execute(request: RunRequest, signal: AbortSignal, observer: RunObserver): Promise<RunOutcome> {
    this.requests.push(request);
    const jobs = this.project.workflows.get(request.workflowId)?.jobs ?? [];
    for (const job of jobs) observer.onJobStart?.(job.id, 1);
    const output = await this.behave(request, signal);
    const states: JobState[] = jobs.map((j) => ({ id: j.id, status: "completed" }));
    for (const state of states) observer.onJobEnd?.(state.id, state);
    return { output, jobs: states };
  }

  async close(): Promise<void> {}
}

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
      jobs: [
        { id: "say", component: "shell", command: "printf 'hello %s' ${input.name}", output: "${stdout}" },
      ],
    },
  ],
};

/** Loads `doc` as a project and builds the app over it (`controller` fields merge over the doc's). */
export async function testApp(
  doc: Record<string, unknown> = GREET,
  options: { run?: FakeRun; controller?: Record<string, unknown>; instanceId?: string } = {},
): Promise<TestApp> {
  const full = { ...doc, controller: { ...(doc.controller as object), ...options.controller } };
  const dir = projectDir(YAML.stringify(full));
  const project = await loadProject({ cwd: dir, processEnv: {} });
  const store = new MemoryTaskStore();
  const metrics = new ControllerMetrics();
  const executor = new FakeExecutor(project, options.run);
  const manager = new RunManager(project, store, metrics, executor, silentLogger());
  const app = createApp({
    project,
    manager,
    store,
    metrics,
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
