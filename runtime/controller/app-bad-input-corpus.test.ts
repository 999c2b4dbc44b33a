// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * A corpus of hostile and broken requests, in-process: hand-written attacks (deep
 * nesting, huge numbers, prototype keys, odd encodings, wrong methods and types) and
 * seeded mutations of a valid request (cut, bytes flipped, characters inserted), and
 * 500 generated ones (fast-check: any JSON as the body or the input, any text). For
 * every one the answer is a status below 500 and, unless it succeeded, a JSON
 * `{"error": "<text>"}`; afterwards the controller still runs workflows and every task
 * it recorded can be read.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type Reply, testApp } from "./_test-app.ts";

const DOC = {
  controller: { max_body_size: "64k", max_json_depth: 20 },
  workflows: [
    {
      id: "typed",
      default: true,
      input: { n: "${input.n as number}", label: "${input.label | 'none'}" },
      jobs: [{ id: "echo", component: "echo", input: "${input}" }],
    },
  ],
};

const VALID = '{"workflow_id": "typed", "input": {"n": 1, "label": "a"}, "wait_for_completion": true}';

const HANDWRITTEN: string[] = [
  "",
  " ",
  "null",
  "true",
  "0",
  "-1e999",
  '"str"',
  "[]",
  "[{}]",
  "{}",
  '{"input": null}',
  '{"input": []}',
  '{"input": "x"}',
  '{"input": {"n": 1e999}}',
  '{"input": {"n": "NaN"}}',
  '{"input": {"n": 1}, "workflow_id": null}',
  '{"input": {"n": 1}, "workflow_id": ""}',
  '{"input": {"n": 1}, "workflow_id": "../../etc/passwd"}',
  '{"input": {"n": 1}, "workflow_id": "__proto__"}',
  '{"input": {"n": 1}, "workflow_id": "constructor"}',
  '{"input": {"n": 1}, "workflow_id": "toString"}',
  '{"__proto__": {"wait_for_completion": false}, "input": {"n": 1}}',
  '{"constructor": {"prototype": {"x": 1}}, "input": {"n": 1}}',
  '{"input": {"__proto__": {"n": 1}}}',
  '{"input": {"n": 1, "__proto__": null}}',
  '{"input": {"n": 1}, "wait_for_completion": "true"}',
  '{"input": {"n": 1}, "wait_for_completion": 1}',
  '{"input": {"n": 1}, "wait_for_completion": null}',
  '{"input": {"n": 1}, "input": {"n": 2}}',
  '{"input": {"n": 1}}garbage',
  '{"input": {"n": 1}}}',
  '{"input": {"n": 1}',
  "{'input': {}}",
  '{"input": {"n": 1,}}',
  '{"input": {"n": 01}}',
  '{"input": {"n": "\\ud800"}}',
  '{"input": {"n": 1, "label": "\\u0000"}}',
  '\ufeff{"input": {"n": 1}}',
  `{"input": {"n": 1, "label": ${"[".repeat(21)}${"]".repeat(21)}}}`,
  `{"input": ${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`,
  `${"[".repeat(100_000)}`,
  `{"input": {"n": 1, "label": "${"x".repeat(70 * 1024)}"}}`,
  `{"input": {"n": ${"9".repeat(400)}}}`,
];

/** A small seeded generator (mulberry32), so the corpus is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL = [
  '"',
  "\\",
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  "\u0000",
  "\ud800",
  "\n",
  "0",
  "-",
  "e",
  "${",
  "__proto__",
];

function mutations(count: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = VALID;
    const edits = 1 + Math.floor(next() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(next() * (text.length + 1));
      const kind = Math.floor(next() * 4);
      if (kind === 0) text = text.slice(0, at);
      else if (kind === 1) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 5));
      else if (kind === 2) text = text.slice(0, at) + pick(SPECIAL) + text.slice(at);
      else text = text.slice(0, at) + String.fromCharCode(Math.floor(next() * 0x80)) + text.slice(at + 1);
    }
    out.push(text);
  }
  return out;
}

function expectSafe(what: string, reply: Reply): void {
  const ok = reply.status < 500 && (reply.status < 300 || typeof reply.body?.error === "string");
  if (!ok) throw new Error(`${what}: ${reply.status} ${reply.text.slice(0, 200)}`);
}

describe("HTTP bad-input corpus", () => {
  const bodies = [...HANDWRITTEN, ...mutations(400, 12)];

  test(`${bodies.length} request bodies: each is answered below 500, with a JSON error when refused`, async () => {
    const app = await testApp(DOC);
    const statuses = new Map<number, number>();
    for (const body of bodies) {
      const reply = await app.post("/api/workflows/runs", body);
      expectSafe(`body ${JSON.stringify(body.slice(0, 80))}`, reply);
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    }
    console.log(`corpus statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    const ok = await app.post("/api/workflows/runs", { input: { n: 3 } });
    expect(ok.status).toBe(200);
    // Every task recorded, whatever its input, can still be read.
    for (const request of app.executor.requests) {
      const task = await app.request(`/api/tasks/${request.runId}`);
      expectSafe(`task ${request.runId}`, task);
      expect(task.status).toBe(200);
    }
  });

  test("generated requests (fast-check): any JSON as the body or as the input, any text as the body", async () => {
    const app = await testApp(DOC);
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue().map((value) => JSON.stringify(value)),
          fc.jsonValue().map((input) => JSON.stringify({ input })),
          fc
            .record(
              {
                workflow_id: fc.oneof(fc.string(), fc.constant("typed")),
                input: fc.jsonValue(),
                wait_for_completion: fc.jsonValue(),
              },
              { requiredKeys: [] },
            )
            .map((body) => JSON.stringify(body)),
          fc.string({ unit: "binary" }),
        ),
        async (body) => {
          cases++;
          expectSafe(
            `body ${JSON.stringify(body.slice(0, 80))}`,
            await app.post("/api/workflows/runs", body),
          );
        },
      ),
      { numRuns: 500, seed: 42 },
    );
    expect(cases).toBe(500);
    expect((await app.post("/api/workflows/runs", { input: { n: 3 } })).status).toBe(200);
  });

  test("content types, methods, paths and headers: each is answered below 500 with a JSON error", async () => {
    const app = await testApp({ ...DOC, controller: { ...DOC.controller, auth: { api_keys: ["k"] } } });
    const auth = { Authorization: "Bearer k" };
    const requests: [string, RequestInit][] = [
      [
        "/api/workflows/runs",
        { method: "POST", headers: { ...auth, "Content-Type": "application/jsonx" }, body: VALID },
      ],
      [
        "/api/workflows/runs",
        { method: "POST", headers: { ...auth, "Content-Type": "text/json" }, body: VALID },
      ],
      [
        "/api/workflows/runs",
        { method: "POST", headers: { ...auth, "Content-Type": "multipart/form-data" }, body: VALID },
      ],
      [
        "/api/workflows/runs",
        {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json", "Content-Length": "-1" },
          body: VALID,
        },
      ],
      [
        "/api/workflows/runs",
        {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json", "Content-Length": "99999999999" },
          body: VALID,
        },
      ],
      [
        "/api/workflows/runs",
        {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json; charset=latin1" },
          body: VALID,
        },
      ],
      [
        "/api/workflows/runs",
        {
          method: "POST",
          headers: { Authorization: "Bearer k\u00ff", "Content-Type": "application/json" },
          body: VALID,
        },
      ],
      [
        "/api/workflows/runs",
        { method: "POST", headers: { Authorization: `Bearer ${"k".repeat(10_000)}` }, body: VALID },
      ],
      ["/api/workflows/runs", { method: "GET", headers: auth }],
      ["/api/workflows/runs", { method: "PUT", headers: auth, body: VALID }],
      ["/api/workflows/runs", { method: "DELETE", headers: auth }],
      ["/api/workflows/%2e%2e", { headers: auth }],
      ["/api/workflows/%00", { headers: auth }],
      ["/api/workflows/__proto__", { headers: auth }],
      ["/api/workflows/constructor", { headers: auth }],
      ["/api/tasks/__proto__", { headers: auth }],
      ["/api/tasks/constructor/cancel", { method: "POST", headers: auth }],
      [`/api/tasks/${"x".repeat(5000)}`, { headers: auth }],
      ["/api//workflows", { headers: auth }],
      ["/api/workflows/", { headers: auth }],
      ["/API/WORKFLOWS", { headers: auth }],
      ["/api/workflows?x=%zz", { headers: auth }],
      ["/metrics", { method: "POST", headers: auth }],
      ["/health", { method: "DELETE" }],
      ["/", {}],
    ];
    for (const [path, init] of requests) {
      const reply = await app.request(path, init);
      expectSafe(`${init.method ?? "GET"} ${path.slice(0, 60)}`, reply);
    }
    expect((await app.post("/api/workflows/runs", { input: { n: 3 } }, auth)).status).toBe(200);
  });
});
