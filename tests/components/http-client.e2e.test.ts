/**
 * http-client through the whole program: `bun cli.ts run` on a compose file, as a child
 * process, against a real HTTP server in this test. Covers actions with shared
 * component fields, env and input bindings in the config, output mappings on the
 * result variables, and how failures and config mistakes reach the user.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cli, composeFile } from "./e2e.ts";

interface Received {
  method: string;
  path: string;
  query: string;
  authorization: string | null;
  contentType: string | null;
  trace: string | null;
  body: string;
}

const received: Received[] = [];
let server: ReturnType<typeof Bun.serve>;
let base: string;

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const body = await req.text();
      received.push({
        method: req.method,
        path: url.pathname,
        query: url.search,
        authorization: req.headers.get("authorization"),
        contentType: req.headers.get("content-type"),
        trace: req.headers.get("x-trace"),
        body,
      });
      if (url.pathname === "/v1/chat") {
        const { prompt } = JSON.parse(body);
        return Response.json({
          choices: [{ message: { content: `echo: ${prompt}` } }],
          usage: { total_tokens: 7 },
        });
      }
      if (url.pathname === "/v1/models") {
        return Response.json(
          { data: [{ id: "m1" }, { id: "m2" }] },
          { headers: { "X-Request-Id": "req-42" } },
        );
      }
      if (url.pathname === "/slow") {
        await Bun.sleep(20_000);
        return new Response("late");
      }
      return new Response("no such route", { status: 404, statusText: "Not Found" });
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(() => server.stop(true));

const API = `
components:
  - id: api
    type: http-client
    base_url: \${env.API_BASE_URL}
    headers:
      Authorization: Bearer \${env.API_TOKEN}
    actions:
      - id: chat
        path: /v1/chat
        headers:
          X-Trace: chat
        body:
          prompt: \${input.text}
          temperature: \${input.temperature | 0.7}
        output:
          reply: \${response.choices[0].message.content}
          tokens: \${response.usage.total_tokens}
      - id: models
        method: GET
        path: /v1/models
        params:
          limit: 2
        output:
          ids: \${response.data[*].id}
          status: \${status}
          request_id: \${headers["x-request-id"]}
      - id: broken
        method: GET
        path: /nowhere

workflows:
  - id: ask
    default: true
    jobs:
      - id: chat
        component: api
        action: chat
        input:
          text: \${input.question}
      - id: models
        component: api
        action: models
    output:
      answer: \${jobs.chat.output}
      models: \${jobs.models.output}

  - id: broken
    jobs:
      - id: fetch-missing
        component: api
        action: broken
`;

const SECRET = "sk-e2e-0123456789";

test("a workflow of http-client jobs calls the server and maps the results", async () => {
  const file = composeFile(API);
  const before = received.length;
  const run = await cli(["run", "-f", file, "-v", "-i", JSON.stringify({ question: "hi there" })], {
    API_BASE_URL: base,
    API_TOKEN: SECRET,
  });
  expect(run.stderr).toContain("http request");
  expect(run.stderr).not.toContain(SECRET);
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual({
    answer: { reply: "echo: hi there", tokens: 7 },
    models: { ids: ["m1", "m2"], status: 200, request_id: "req-42" },
  });
  const calls = received.slice(before);
  expect(calls).toEqual([
    {
      method: "POST",
      path: "/v1/chat",
      query: "",
      authorization: `Bearer ${SECRET}`,
      contentType: "application/json",
      trace: "chat",
      body: JSON.stringify({ prompt: "hi there", temperature: 0.7 }),
    },
    {
      method: "GET",
      path: "/v1/models",
      query: "?limit=2",
      authorization: `Bearer ${SECRET}`,
      contentType: null,
      trace: null,
      body: "",
    },
  ]);
});

test("a non-2xx response fails the run with the job, the status and the body", async () => {
  const file = composeFile(API);
  const run = await cli(["run", "-f", file, "broken"], { API_BASE_URL: base, API_TOKEN: SECRET });
  expect(run.code).toBe(1);
  expect(JSON.parse(run.stdout).error).toBe(
    `job "fetch-missing" failed: HTTP 404 Not Found from GET ${base}/nowhere: no such route`,
  );
  expect(run.stderr).not.toContain(SECRET);
});

test("a mistyped http-client field is a load error with the file position and a suggestion", async () => {
  const file = composeFile(`
components:
  - id: api
    type: http-client
    endpoint: ${base}/v1/models
    methd: GET
workflow:
  component: api
`);
  const run = await cli(["run", "-f", file]);
  expect(run.code).toBe(2);
  expect(JSON.parse(run.stdout).error).toStartWith(
    `${file}:6:5: components[0].methd: unknown key "methd"; did you mean "method"?`,
  );
});

test("a job timeout cancels the request in flight", async () => {
  const file = composeFile(`
components:
  - id: api
    type: http-client
    endpoint: ${base}/slow
    method: GET
workflow:
  jobs:
    - id: wait
      component: api
      timeout: 300ms
`);
  const before = received.length;
  const started = performance.now();
  const run = await cli(["run", "-f", file]);
  expect(run.code).toBe(1);
  expect(JSON.parse(run.stdout).error).toBe('job "wait" timed out after 300 ms');
  expect(received.slice(before).map((r) => r.path)).toEqual(["/slow"]);
  // The server holds the response for 20 s; the run does not wait for it.
  expect(performance.now() - started).toBeLessThan(10_000);
});
