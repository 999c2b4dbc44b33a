// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The HTTP API's bad-input, limit, auth and routing cases, in-process on
 * `createApp(...).request()` with a fake executor: every bad request is a 4xx with a
 * JSON `{"error": ...}` that says what is wrong and names the limit it hit.
 */
import { describe, expect, test } from "bun:test";
import { loadDoc, type Reply, testApp } from "./_test-app.ts";

const TYPED = {
  controller: { max_body_size: "1k" },
  workflows: [
    {
      id: "typed",
      default: true,
      input: { n: "${input.n as number}", label: "${input.label | 'none'}" },
      jobs: [{ id: "echo", component: "echo", input: "${input}" }],
    },
    { id: "other", jobs: [{ id: "x", component: "echo" }] },
  ],
};

function expectError(reply: Reply, status: number, message: string | RegExp): void {
  expect({ status: reply.status, error: reply.body?.error }).toEqual({
    status,
    error: typeof message === "string" ? message : expect.stringMatching(message),
  });
}

const RUNS = "/api/workflows/runs";

describe("request bodies", () => {
  test("malformed JSON is 400", async () => {
    const app = await testApp(TYPED);
    expectError(await app.post(RUNS, '{"input": {"n": 1'), 400, /^malformed JSON body: /);
  });

  test("JSON that is not an object is 400", async () => {
    const app = await testApp(TYPED);
    expectError(
      await app.post(RUNS, "[]"),
      400,
      "invalid request body: expected a map (a JSON object), found a list",
    );
    expectError(
      await app.post(RUNS, '"hi"'),
      400,
      'invalid request body: expected a map, found the string "hi"',
    );
  });

  test("another content type is 415", async () => {
    const app = await testApp(TYPED);
    const reply = await app.request(RUNS, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: "{}",
    });
    expectError(reply, 415, 'expected Content-Type: application/json, found "text/plain"');
  });

  test("an empty body is an empty request (the default workflow, no input)", async () => {
    const app = await testApp(TYPED);
    expectError(await app.post(RUNS, ""), 400, /input "n"|"n"/);
  });

  test("wait_for_completion takes the JSON booleans, and says so for a string", async () => {
    const app = await testApp(TYPED);
    expectError(
      await app.post(RUNS, { input: { n: 1 }, wait_for_completion: "false" }),
      400,
      'invalid request body: wait_for_completion: expected the JSON boolean true or false (without quotes), found the string "false"',
    );
    const later = await app.post(RUNS, { input: { n: 1 }, wait_for_completion: false });
    expect(later.status).toBe(202);
    const now = await app.post(RUNS, { input: { n: 1 }, wait_for_completion: true });
    expect(now.status).toBe(200);
  });

  test("an unknown or wrongly typed field is 400 and named", async () => {
    const app = await testApp(TYPED);
    expectError(
      await app.post(RUNS, { input: { n: 1 }, wait: true }),
      400,
      'invalid request body: wait: unknown key "wait" (valid keys: workflow_id, input, wait_for_completion, stream, callback_url, callback_headers)',
    );
    expectError(
      await app.post(RUNS, { workflow_id: 5 }),
      400,
      "invalid request body: workflow_id: expected a string, found the number 5",
    );
  });

  test("every problem in the request body is reported, not only the first", async () => {
    const app = await testApp(TYPED);
    expectError(
      await app.post(RUNS, { input: { n: 1 }, workflow_id: 5, wait: true }),
      400,
      'invalid request body: workflow_id: expected a string, found the number 5; wait: unknown key "wait" (valid keys: workflow_id, input, wait_for_completion, stream, callback_url, callback_headers)',
    );
  });

  test("input failing the workflow's input schema is 400", async () => {
    const app = await testApp(TYPED);
    const reply = await app.post(RUNS, { input: { n: "abc" } });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain("number");
    expect(app.executor.requests).toHaveLength(0);
  });

  test("an unknown workflow is 404 and lists the workflows", async () => {
    const app = await testApp(TYPED);
    expectError(
      await app.post(RUNS, { workflow_id: "nope" }),
      404,
      'unknown workflow "nope" (workflows: typed, other)',
    );
  });
});

describe("limits", () => {
  test("a body over max_body_size is 413 with a JSON error naming the limit", async () => {
    const app = await testApp(TYPED);
    const reply = await app.post(RUNS, { input: { n: 1, label: "x".repeat(2000) } });
    expectError(reply, 413, "request body is larger than the limit of 1024 bytes (controller.max_body_size)");
    expect(reply.headers.get("connection")).toBe("close");
  });

  test("a body far over the limit (more than 1 MiB over) gets the same JSON 413", async () => {
    const app = await testApp(TYPED);
    const reply = await app.post(RUNS, { input: { n: 1, label: "x".repeat(3 * 1024 * 1024) } });
    expectError(reply, 413, "request body is larger than the limit of 1024 bytes (controller.max_body_size)");
  });

  test("a body over the limit is refused on any route; one a route does not read closes the connection", async () => {
    const app = await testApp(TYPED);
    const big = await app.request("/api/tasks/x/cancel", {
      method: "POST",
      headers: { "Content-Length": "5000" },
      body: "x".repeat(5000),
    });
    expectError(big, 413, "request body is larger than the limit of 1024 bytes (controller.max_body_size)");
    const unread = await app.request("/api/tasks/x/cancel", { method: "POST", body: "x" });
    expect(unread.status).toBe(404);
    expect(unread.headers.get("connection")).toBe("close");
    const plain = await app.request("/api/tasks/x/cancel", { method: "POST" });
    expect(plain.headers.get("connection")).toBeNull();
  });

  test("a chunked body is counted as it arrives", async () => {
    const app = await testApp(TYPED);
    const chunk = new TextEncoder().encode("x".repeat(600));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // An endless body: the limit must stop reading it.
        sent++;
        controller.enqueue(sent === 1 ? new TextEncoder().encode('{"input": "') : chunk);
      },
    });
    const reply = await app.request(RUNS, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expectError(reply, 413, "request body is larger than the limit of 1024 bytes (controller.max_body_size)");
    expect(sent).toBeLessThan(10);
  });

  test("a body that stops arriving is 408 after body_timeout", async () => {
    const app = await testApp(TYPED, { controller: { body_timeout: "200ms" } });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"input": {"n": 1'));
        // ...and nothing more, ever.
      },
    });
    const reply = await app.request(RUNS, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expectError(reply, 408, "the request body did not arrive within 0.2 s (controller.body_timeout)");
    expect(reply.headers.get("connection")).toBe("close");
    expect(app.executor.requests).toHaveLength(0);
  });

  test("JSON nested deeper than max_json_depth is 400 naming the limit, and the controller is unharmed", async () => {
    const app = await testApp(TYPED, { controller: { max_body_size: "1m" } });
    const deep = `{"input": {"n": 1, "label": ${"[".repeat(50_000)}${"]".repeat(50_000)}}}`;
    expectError(
      await app.post(RUNS, deep),
      400,
      "request body nests deeper than the limit of 100 levels (controller.max_json_depth)",
    );
    // Brackets inside strings do not count.
    const text = await app.post(RUNS, { input: { n: 1, label: "[".repeat(5000) } });
    expect(text.status).toBe(200);
    const ok = await app.post(RUNS, { input: { n: 1, label: "fine" } });
    expect(ok.status).toBe(200);
    expect((await app.request(`/api/tasks/${ok.body.task_id}`)).status).toBe(200);
  });

  test("limits out of range are load errors naming the setting", async () => {
    const loadError = async (controller: Record<string, unknown>) => {
      try {
        await loadDoc({ controller, workflow: { component: "echo" } });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("expected a load error");
    };
    expect(await loadError({ idle_timeout: "10m" })).toContain(
      "controller.idle_timeout: expected a duration from 1s to 255s (the HTTP server's range)",
    );
    expect(await loadError({ max_json_depth: 0 })).toContain(
      "controller.max_json_depth: expected a number >= 1",
    );
    expect(await loadError({ body_timeout: "soon" })).toContain(
      'controller.body_timeout: expected a duration like 30s, 1m30s or 500ms, found the string "soon"',
    );
  });

  test("max_json_depth is configurable", async () => {
    const app = await testApp(TYPED, { controller: { max_json_depth: 3 } });
    expect((await app.post(RUNS, { input: { n: 1 } })).status).toBe(200);
    expectError(
      await app.post(RUNS, { input: { n: 1, label: [[1]] } }),
      400,
      "request body nests deeper than the limit of 3 levels (controller.max_json_depth)",
    );
  });
});

describe("routing", () => {
  test("an unknown route is 404 with a JSON error", async () => {
    const app = await testApp(TYPED);
    expectError(await app.request("/api/nothing-here"), 404, "no route GET /api/nothing-here");
  });

  test("a wrong method on a route is 405 with Allow", async () => {
    const app = await testApp(TYPED);
    const cases: [string, string, string][] = [
      ["DELETE", "/api/workflows", "GET, HEAD, OPTIONS"],
      ["GET", "/api/tasks/x/cancel", "OPTIONS, POST"],
      ["PUT", "/api/tasks/x", "GET, HEAD, OPTIONS"],
      ["POST", "/health", "GET, HEAD, OPTIONS"],
      ["PATCH", "/api/workflows/runs", "GET, HEAD, OPTIONS, POST"],
    ];
    for (const [method, path, allow] of cases) {
      const reply = await app.request(path, { method });
      expect({ method, path, status: reply.status, allow: reply.headers.get("allow") }).toEqual({
        method,
        path,
        status: 405,
        allow,
      });
      expect(reply.body.error).toStartWith(`method ${method} is not allowed on ${path} (allowed: `);
    }
  });

  test("OPTIONS without CORS lists the methods", async () => {
    const app = await testApp(TYPED);
    const reply = await app.request("/api/workflows", { method: "OPTIONS" });
    expect(reply.status).toBe(204);
    expect(reply.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });

  test("HEAD of a GET route answers without a body", async () => {
    const app = await testApp(TYPED);
    const reply = await app.request("/api/workflows", { method: "HEAD" });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe("");
  });

  test("an unknown task is 404, for state and for cancel", async () => {
    const app = await testApp(TYPED);
    expectError(await app.request("/api/tasks/nope"), 404, 'unknown task "nope"');
    expectError(await app.request("/api/tasks/nope/cancel", { method: "POST" }), 404, 'unknown task "nope"');
  });

  test("health reports the instance id; 503 while draining", async () => {
    const app = await testApp(TYPED, { instanceId: "abc" });
    expect((await app.request("/health")).body).toEqual({ status: "ok", instance_id: "abc" });
    await app.manager.drain(0);
    const draining = await app.request("/api/health");
    expect({ status: draining.status, body: draining.body }).toEqual({
      status: 503,
      body: { status: "shutting_down", instance_id: "abc" },
    });
    expectError(
      await app.post(RUNS, { input: { n: 1 } }),
      503,
      "the controller is shutting down and accepts no new runs",
    );
  });
});

describe("runs and tasks", () => {
  test("a run waited for is 200 with its output; one not waited for is 202 and can be read", async () => {
    const app = await testApp(TYPED);
    const now = await app.post(RUNS, { input: { n: 4 } });
    expect(now.body).toEqual({ task_id: expect.any(String), status: "completed", output: { n: 4 } });
    const later = await app.post(RUNS, { workflow_id: "other", wait_for_completion: false });
    expect(later.status).toBe(202);
    await app.manager.wait(later.body.task_id);
    const task = await app.request(`/api/tasks/${later.body.task_id}`);
    expect(task.body).toMatchObject({
      workflow_id: "other",
      status: "completed",
      jobs: [{ id: "x", status: "completed" }],
    });
  });

  test("a failed run reports the error", async () => {
    const app = await testApp(TYPED, {
      run: () => {
        throw new Error('job "echo" failed: exited with code 3');
      },
    });
    const reply = await app.post(RUNS, { input: { n: 1 } });
    expect(reply.status).toBe(500);
    expect(reply.body).toMatchObject({ status: "failed", error: 'job "echo" failed: exited with code 3' });
  });

  test("cancelling a running run, then a finished one (409)", async () => {
    const app = await testApp(TYPED, {
      run: (_request, signal) =>
        new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
    });
    const started = await app.post(RUNS, { input: { n: 1 }, wait_for_completion: false });
    const id = started.body.task_id;
    while (app.executor.requests.length === 0) await Bun.sleep(5);
    const cancel = await app.request(`/api/tasks/${id}/cancel`, { method: "POST" });
    expect({ status: cancel.status, body: cancel.body }).toEqual({
      status: 202,
      body: { task_id: id, status: "cancelling" },
    });
    await app.manager.wait(id);
    expect((await app.request(`/api/tasks/${id}`)).body).toMatchObject({
      status: "cancelled",
      error: "cancelled by request",
    });
    expectError(
      await app.request(`/api/tasks/${id}/cancel`, { method: "POST" }),
      409,
      `task "${id}" has already finished (cancelled) and cannot be cancelled`,
    );
  });
});

describe("waited runs", () => {
  /** Runs that each wait until their gate (in start order) is called, or until cancelled. */
  function gatedRuns() {
    const gates: Array<() => void> = [];
    return {
      gates,
      run: (request: { input: unknown }, signal: AbortSignal) =>
        new Promise((resolve, reject) => {
          gates.push(() => resolve(request.input));
          signal.addEventListener("abort", () => reject(signal.reason));
        }),
    };
  }

  test("a waited run with a free slot is recorded as running and answered when done", async () => {
    const gated = gatedRuns();
    const app = await testApp(TYPED, { run: gated.run });
    const created: string[] = [];
    const moves: string[] = [];
    const { create, transition } = app.store;
    app.store.create = (task, key) => {
      created.push(task.status);
      return create.call(app.store, task, key);
    };
    app.store.transition = (id, from, to, patch) => {
      moves.push(`${from.join("|")}->${to}`);
      return transition.call(app.store, id, from, to, patch);
    };
    const reply = app.post(RUNS, { input: { n: 2 } });
    while (gated.gates.length === 0) await Bun.sleep(2);
    const task = (await app.request("/api/tasks")).body.tasks[0];
    // Never pending: it started as it was recorded, and only its end is a move.
    expect(task).toMatchObject({ status: "running", started_at: task.created_at });
    expect(created).toEqual(["running"]);
    expect(moves).toEqual([]);
    gated.gates[0]();
    expect((await reply).body).toEqual({ task_id: task.task_id, status: "completed", output: { n: 2 } });
    expect(moves).toEqual(["running->completed"]);
    expect((await app.request(`/api/tasks/${task.task_id}`)).body.status).toBe("completed");
  });

  test("a waited run cancelled while it runs answers 409 cancelled", async () => {
    const gated = gatedRuns();
    const app = await testApp(TYPED, { run: gated.run });
    const reply = app.post(RUNS, { input: { n: 1 } });
    while (gated.gates.length === 0) await Bun.sleep(2);
    const id = (await app.request("/api/tasks")).body.tasks[0].task_id;
    expect((await app.request(`/api/tasks/${id}/cancel`, { method: "POST" })).status).toBe(202);
    expect(await reply).toMatchObject({
      status: 409,
      body: { task_id: id, status: "cancelled", error: "cancelled by request" },
    });
  });

  test("with every slot taken, a waited run queues as pending and runs when one frees", async () => {
    const gated = gatedRuns();
    const app = await testApp(TYPED, { run: gated.run, controller: { max_concurrent_count: 1 } });
    const first = app.post(RUNS, { input: { n: 1 } });
    while (gated.gates.length === 0) await Bun.sleep(2);
    const second = app.post(RUNS, { input: { n: 2 } });
    let statuses: string[] = [];
    while (statuses.length < 2) {
      await Bun.sleep(2);
      statuses = (await app.request("/api/tasks")).body.tasks.map((t: { status: string }) => t.status);
    }
    expect(statuses).toEqual(["pending", "running"]);
    expect(app.manager.queue.counts()).toEqual({ waiting: 1, active: 1 });
    gated.gates[0]();
    expect((await first).body.output).toEqual({ n: 1 });
    while (gated.gates.length < 2) await Bun.sleep(2);
    gated.gates[1]();
    expect((await second).body.output).toEqual({ n: 2 });
    expect(app.manager.queue.counts()).toEqual({ waiting: 0, active: 0 });
  });

  test("a waited run repeated with its Idempotency-Key answers with the first run", async () => {
    const app = await testApp(TYPED);
    const headers = { "Idempotency-Key": "k-1" };
    const first = await app.post(RUNS, { input: { n: 5 } }, headers);
    const again = await app.post(RUNS, { input: { n: 5 } }, headers);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(app.executor.requests).toHaveLength(1);
    expectError(
      await app.post(RUNS, { input: { n: 6 } }, headers),
      409,
      /^Idempotency-Key "k-1" was used for another request body/,
    );
  });
});

describe("API keys", () => {
  const AUTH = { ...TYPED, controller: { auth: { api_keys: ["s3cret-one", "s3cret-two"] } } };

  test("every route but health needs a valid key; unknown routes are not revealed", async () => {
    const app = await testApp(AUTH);
    for (const path of ["/api/workflows", "/api/tasks/x", "/metrics", "/api/secret-place"]) {
      const reply = await app.request(path);
      expectError(reply, 401, "missing Authorization: Bearer <api key>");
      expect(reply.headers.get("www-authenticate")).toBe('Bearer realm="model-compose"');
    }
    for (const header of ["Bearer s3cret-onf", "Bearer s3cret", "Basic czNjcmV0LW9uZQ==", "s3cret-one"]) {
      const reply = await app.request("/api/workflows", { headers: { Authorization: header } });
      expect({ header, status: reply.status }).toEqual({ header, status: 401 });
    }
    expect(
      (await app.request("/api/workflows", { headers: { Authorization: "bearer s3cret-two" } })).status,
    ).toBe(200);
    expect((await app.request("/health")).status).toBe(200);
    const wrongMethod = await app.request("/api/workflows", { method: "DELETE" });
    expect(wrongMethod.status).toBe(401);
  });

  async function loadError(auth: unknown): Promise<string> {
    try {
      await loadDoc(`controller:\n  auth: ${JSON.stringify(auth)}\nworkflow:\n  component: echo\n`);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected a load error");
  }

  test("an empty list, an empty key and a padded key are load errors", async () => {
    expect(await loadError({ api_keys: [] })).toContain(
      "controller.auth.api_keys: the list of API keys is empty, which would let everyone in; list at least one key, or remove `auth` to run without authentication",
    );
    expect(await loadError({ api_keys: [""] })).toContain(
      "controller.auth.api_keys[0]: an API key must not be empty",
    );
    expect(await loadError({ api_keys: ["ok", " padded "] })).toContain(
      "controller.auth.api_keys[1]: an API key must not start or end with spaces (clients' keys are read without them, so it could never match)",
    );
  });
});
