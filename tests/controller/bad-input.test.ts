// biome-ignore-all lint/suspicious/noExplicitAny: reply bodies are untyped JSON that tests pick apart
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Bad requests against a real server get a 4xx with a JSON `{"error": ...}`, and the
 * controller keeps serving after each one. The full set of bad-input cases runs
 * in-process (runtime/controller/app-requests.test.ts, app-bad-input-corpus.test.ts);
 * these few check the same through Bun's HTTP server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import {
  cleanup,
  type Foreground,
  makeProject,
  postJson,
  request,
  startRun,
  type TestProject,
  upForeground,
} from "./helpers.ts";

describe("bad input", () => {
  let project: TestProject;
  let up: Foreground;
  let runs: string;

  beforeAll(async () => {
    project = makeProject({
      controller: { max_body_size: "1k" },
      workflows: [
        {
          id: "typed",
          default: true,
          input: { n: "${input.n as number}", label: "${input.label | 'none'}" },
          jobs: [{ id: "echo", component: "shell", command: "printf '%s' ${input.n}", output: "${stdout}" }],
        },
      ],
    });
    runs = `${project.api}/workflows/runs`;
    up = await upForeground(project);
  });
  afterAll(cleanup);

  afterEach(async () => {
    // The server still serves, and still runs workflows.
    expect(up.proc.exitCode).toBeNull();
    expect((await request(`${project.url}/health`)).status).toBe(200);
    const ok = await startRun(project, { input: { n: 7 } });
    expect(ok.status).toBe(200);
    expect(ok.body.output).toBe("7");
  });

  /** Asserts the status and that the JSON error mentions every fragment. */
  function expectError(reply: { status: number; body: any }, status: number, ...fragments: string[]): void {
    expect({ status: reply.status, type: typeof reply.body?.error }).toEqual({ status, type: "string" });
    for (const f of fragments) expect(reply.body.error).toContain(f);
  }

  test("malformed JSON is 400", async () => {
    expectError(await postJson(runs, '{"input": {"n": 1'), 400, "malformed JSON");
    expectError(await postJson(runs, "[1, 2"), 400, "malformed JSON");
  });

  test("a content type other than JSON is 415", async () => {
    const reply = await request(runs, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: '{"input":{}}',
    });
    expectError(reply, 415, "application/json", "text/plain");
    const none = await request(runs, { method: "POST", body: new Uint8Array([123, 125]) });
    expectError(none, 415, "application/json");
  });

  test("a body over max_body_size is 413", async () => {
    const big = { input: { n: 1, label: "x".repeat(2000) } };
    expectError(await startRun(project, big), 413, "1024 bytes");
  });

  test("an oversize body without Content-Length (chunked) is 413 too", async () => {
    const payload = new TextEncoder().encode(JSON.stringify({ input: { n: 1, label: "y".repeat(4000) } }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < payload.length; i += 500) controller.enqueue(payload.slice(i, i + 500));
        controller.close();
      },
    });
    const reply = await request(runs, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
    expectError(reply, 413, "1024 bytes");
  });

  test("an unknown route is 404, a wrong method 405 with Allow, both with a JSON error", async () => {
    expectError(await request(`${project.api}/nothing-here`), 404, "/api/nothing-here");
    const wrongMethod = await request(`${project.api}/workflows`, { method: "DELETE" });
    expectError(wrongMethod, 405, "DELETE", "allowed: GET, HEAD");
    expect(wrongMethod.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });
});
