// biome-ignore-all lint/suspicious/noExplicitAny: reply bodies are untyped JSON that tests pick apart
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Bad requests get a 4xx with a JSON `{"error": ...}` that says what is wrong, and the
 * controller keeps serving after each one.
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

  test("a body that is JSON but not an object is 400", async () => {
    expectError(await postJson(runs, "[]"), 400, "invalid request body");
    expectError(await postJson(runs, '"hello"'), 400, "invalid request body");
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

  test("an unknown workflow is 404 and lists the workflows", async () => {
    expectError(
      await startRun(project, { workflow_id: "nope", input: { n: 1 } }),
      404,
      'unknown workflow "nope"',
      "typed",
    );
    expectError(await request(`${project.api}/workflows/nope`), 404, 'unknown workflow "nope"');
  });

  test("input failing the workflow's input schema is 400 and names the field", async () => {
    expectError(await startRun(project, { input: { n: "abc" } }), 400, "typed", "number");
  });

  test("a missing required input field is 400 and names it", async () => {
    expectError(await startRun(project, { input: {} }), 400, '"n"');
    expectError(await startRun(project, { input: { label: "x" } }), 400, '"n"');
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

  test("a body just under the limit is accepted", async () => {
    const reply = await startRun(project, { input: { n: 2, label: "z".repeat(900) } });
    expect(reply.status).toBe(200);
  });

  test("an unknown field in the request body is 400 and names it", async () => {
    expectError(await startRun(project, { input: { n: 1 }, wait: true } as never), 400, "wait");
  });

  test("a wrongly typed field in the request body is 400", async () => {
    expectError(await startRun(project, { input: { n: 1 }, workflow_id: 5 } as never), 400, "workflow_id");
  });

  test("every problem in the request body is reported, not only the first", async () => {
    expectError(
      await startRun(project, { input: { n: 1 }, workflow_id: 5, wait: true } as never),
      400,
      "invalid request body: workflow_id: expected a string, found the number 5; wait: unknown key",
    );
  });

  test("an unknown route is 404 with a JSON error", async () => {
    expectError(await request(`${project.api}/nothing-here`), 404, "/api/nothing-here");
    expectError(await request(`${project.api}/workflows`, { method: "DELETE" }), 404);
  });

  test("an unknown task is 404", async () => {
    expectError(await request(`${project.api}/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV`), 404, "unknown task");
  });
});
