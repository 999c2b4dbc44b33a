/**
 * The page's only way to the controller: its public HTTP API under the base path, with
 * the API key (kept in this tab's session storage) as a Bearer header when one is set.
 */

const KEY_STORE = "model-compose.api-key";

/** The API's base path, written into the page by the controller. */
export const BASE =
  document.querySelector<HTMLMetaElement>('meta[name="model-compose-base"]')?.content.replace(/\/+$/, "") ??
  "/api";

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_STORE);
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORE, key);
  else sessionStorage.removeItem(KEY_STORE);
}

/** Raised for a 401: the page asks for a key. */
export class NeedsKey extends Error {}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const keyListeners = new Set<() => void>();
/** Called when the API answers 401 (no key, or a wrong one). */
export function onNeedsKey(listener: () => void): () => void {
  keyListeners.add(listener);
  return () => keyListeners.delete(listener);
}

export function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = apiKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(BASE + path, {
    ...init,
    headers: headers((init.headers as Record<string, string>) ?? {}),
  });
  if (response.status === 401) {
    for (const l of keyListeners) l();
    throw new NeedsKey("an API key is needed");
  }
  return response;
}

/** A JSON request; a non-2xx answer becomes an ApiError with the API's own message. */
export async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await request(path, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!response.ok) {
    const message =
      body && typeof body === "object" && "error" in body
        ? String((body as { error: unknown }).error)
        : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return body as T;
}

export function post<T>(path: string, body: unknown): Promise<T> {
  return json<T>(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

// ---- the API's shapes the page reads

export interface WorkflowSummary {
  id: string;
  title: string | null;
  description: string | null;
  default: boolean;
}

export interface InputField {
  name: string;
  required: boolean;
  description?: string;
  type?: string;
  options?: string[];
}

export interface WorkflowDetail extends WorkflowSummary {
  input: InputField[];
  jobs: { id: string; component: string; type: string; depends_on: string[] }[];
}

export interface JobState {
  id: string;
  status: string;
  started_at?: string;
  finished_at?: string;
  attempts?: number;
  error?: string;
}

export interface Task {
  task_id: string;
  workflow_id: string;
  status: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  jobs: JobState[];
}

export interface TaskPage {
  tasks: Task[];
  next_cursor?: string;
}
