/**
 * http-client against a real HTTP server on 127.0.0.1: what the server receives
 * (method, query, headers, body) and how responses, failures, retries, timeouts and
 * cancellation come back.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as v from "valibot";
import plugin, { HttpClientSchema } from "../../plugins/components/http-client/index.ts";
import { runYaml } from "../core/helpers.ts";
import { callContext, errorOf, runComponent } from "./helpers.ts";

/** Bytes that are not UTF-8 (a PNG signature, every byte value), as a media API returns. */
const BINARY = new Uint8Array([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  ...Array.from({ length: 256 }, (_, i) => i),
]);

/** How long the server holds `/slow`: far longer than any test waits for it. */
const SLOW_MS = 10_000;

interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: string;
  at: number;
}

const received: Received[] = [];
const hits = new Map<string, number>();
let server: ReturnType<typeof Bun.serve>;
let base: string;

function hit(key: string): number {
  const n = (hits.get(key) ?? 0) + 1;
  hits.set(key, n);
  return n;
}

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const isMultipart = req.headers.get("content-type")?.startsWith("multipart/form-data");
      let body = "";
      if (isMultipart) {
        const form = await req.formData();
        body = JSON.stringify(Object.fromEntries([...form.keys()].map((k) => [k, form.getAll(k)])));
      } else if (url.pathname.startsWith("/upload/")) {
        body = Buffer.from(await req.arrayBuffer()).toString("base64");
      } else {
        body = await req.text();
      }
      received.push({
        method: req.method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        at: Date.now(),
      });
      const [, route, key] = url.pathname.split("/");
      switch (route) {
        case "json":
          return Response.json({ ok: true, items: [1, 2] }, { headers: { "X-Custom": "yes" } });
        case "text":
          return new Response("hello there", { headers: { "content-type": "text/plain" } });
        case "empty":
          return new Response(null, { status: 204 });
        case "missing":
          return new Response(`no such thing ${"x".repeat(400)}`, { status: 404 });
        case "flaky": {
          // Fails until the third attempt.
          const n = hit(key);
          return n < 3 ? new Response(`busy ${n}`, { status: 503 }) : Response.json({ attempt: n });
        }
        case "down": {
          hit(key);
          return new Response("always down", { status: 503 });
        }
        case "limited": {
          const n = hit(key);
          return n === 1
            ? new Response("slow down", { status: 429, headers: { "Retry-After": "1" } })
            : Response.json({ attempt: n });
        }
        case "slow":
          await Bun.sleep(SLOW_MS);
          return new Response("late");
        case "echo":
          return Response.json({ method: req.method, body });
        case "binary":
          return new Response(BINARY, {
            headers: { "content-type": key === "mp3" ? "audio/mpeg" : "image/png" },
          });
        case "untyped":
          return new Response(BINARY);
        case "status": {
          // `/status/<code>-<id>`: that status until the third attempt.
          const n = hit(key);
          const code = Number(key.split("-")[0]);
          return n < 3 ? new Response(`status ${code}`, { status: code }) : Response.json({ attempt: n });
        }
        case "upload":
          return Response.json({ type: req.headers.get("content-type"), base64: body });
        default:
          return new Response("unknown route", { status: 500 });
      }
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(() => server.stop(true));

function last(): Received {
  return received[received.length - 1];
}

function uniq(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2)}`;
}

describe("responses", () => {
  test("a JSON response is parsed; status and lower-cased headers are result variables", async () => {
    const result = await runComponent(plugin, { endpoint: `${base}/json`, method: "GET" }, undefined);
    expect(result.output).toEqual({ ok: true, items: [1, 2] });
    expect(result.variables.response).toEqual({ ok: true, items: [1, 2] });
    expect(result.variables.status).toBe(200);
    const headers = result.variables.headers as Record<string, string>;
    expect(headers["x-custom"]).toBe("yes");
    expect(headers["content-type"]).toContain("application/json");
  });

  test("a text response is a string", async () => {
    const result = await runComponent(plugin, { base_url: base, path: "text", method: "get" }, undefined);
    expect(result.output).toBe("hello there");
    expect(result.variables.status).toBe(200);
  });

  test("an empty body is null", async () => {
    const result = await runComponent(plugin, { endpoint: `${base}/empty`, method: "DELETE" }, undefined);
    expect(result.output).toBeNull();
    expect(result.variables.status).toBe(204);
  });

  test("HEAD has no response body", async () => {
    const result = await runComponent(plugin, { endpoint: `${base}/json`, method: "HEAD" }, undefined);
    expect(result.output).toBeNull();
    expect(last().method).toBe("HEAD");
  });

  test("a 4xx fails the job with the status, the request and the start of the body", async () => {
    const message = await errorOf(
      runComponent(plugin, { endpoint: `${base}/missing`, method: "GET" }, undefined),
    );
    expect(message).toStartWith(`HTTP 404 Not Found from GET ${base}/missing: no such thing xxx`);
    expect(message).toEndWith("...");
    expect(message.length).toBeLessThan(`HTTP 404 Not Found from GET ${base}/missing: `.length + 310);
  });

  test("allow_failure returns the failed response instead of failing", async () => {
    const result = await runComponent(
      plugin,
      { endpoint: `${base}/missing`, method: "GET", allow_failure: true },
      undefined,
    );
    expect(result.variables.status).toBe(404);
    expect(String(result.output)).toStartWith("no such thing");
  });

  test("ok_status replaces the 2xx range", async () => {
    const ok = await runComponent(
      plugin,
      { endpoint: `${base}/missing`, method: "GET", ok_status: [404] },
      undefined,
    );
    expect(ok.variables.status).toBe(404);
    const message = await errorOf(
      runComponent(plugin, { endpoint: `${base}/json`, method: "GET", ok_status: [201] }, undefined),
    );
    expect(message).toStartWith(`HTTP 200 OK from GET ${base}/json`);
  });
});

describe("request", () => {
  test("headers, repeated query params and a JSON body reach the server", async () => {
    await runComponent(
      plugin,
      {
        base_url: `${base}/`,
        path: "/echo",
        headers: { "X-Trace": "abc", "X-Number": 7, "X-Dropped": null },
        params: { q: "a b&c", tag: ["x", "y"], skip: null, n: 3 },
        body: { text: "hi", n: 1, nested: { ok: true } },
      },
      { ignored: true },
    );
    const r = last();
    expect(r.method).toBe("POST");
    expect(r.path).toBe("/echo");
    expect(r.query.get("q")).toBe("a b&c");
    expect(r.query.getAll("tag")).toEqual(["x", "y"]);
    expect(r.query.has("skip")).toBe(false);
    expect(r.query.get("n")).toBe("3");
    expect(r.headers.get("x-trace")).toBe("abc");
    expect(r.headers.get("x-number")).toBe("7");
    expect(r.headers.has("x-dropped")).toBe(false);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(r.body)).toEqual({ text: "hi", n: 1, nested: { ok: true } });
  });

  test("without body: the job input is the JSON body", async () => {
    const result = await runComponent(plugin, { endpoint: `${base}/echo` }, { prompt: "hello", n: [1, 2] });
    expect(last().headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(last().body)).toEqual({ prompt: "hello", n: [1, 2] });
    expect(result.output).toMatchObject({ method: "POST" });
  });

  test("an input {body: string} is sent as-is with a configured non-JSON Content-Type", async () => {
    await runComponent(
      plugin,
      { endpoint: `${base}/echo`, headers: { "Content-Type": "text/plain" } },
      { body: "workflow_execution_total 1\n" },
    );
    expect(last().body).toBe("workflow_execution_total 1\n");
    expect(last().headers.get("content-type")).toBe("text/plain");
  });

  test("an input {body: string} stays a JSON object when no Content-Type is configured", async () => {
    await runComponent(plugin, { endpoint: `${base}/echo` }, { body: "a comment" });
    expect(JSON.parse(last().body)).toEqual({ body: "a comment" });
  });

  test("a string input is sent as-is", async () => {
    await runComponent(
      plugin,
      { endpoint: `${base}/echo`, method: "PUT", headers: { "content-type": "text/csv" } },
      "a,b\n1,2\n",
    );
    expect(last().method).toBe("PUT");
    expect(last().body).toBe("a,b\n1,2\n");
    expect(last().headers.get("content-type")).toBe("text/csv");
  });

  test("a raw text body with a text Content-Type", async () => {
    await runComponent(
      plugin,
      {
        endpoint: `${base}/echo`,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
        body: "line 1\nline 2",
      },
      undefined,
    );
    expect(last().body).toBe("line 1\nline 2");
    expect(last().headers.get("content-type")).toBe("text/plain; charset=utf-8");
  });

  test("a form body is URL-encoded, lists repeating the key", async () => {
    await runComponent(
      plugin,
      {
        endpoint: `${base}/echo`,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: { name: "a b", tag: ["x", "y"], empty: null },
      },
      undefined,
    );
    expect(last().body).toBe("name=a+b&tag=x&tag=y");
    const form = new URLSearchParams(last().body);
    expect(form.getAll("tag")).toEqual(["x", "y"]);
  });

  test("a multipart body is sent as form-data with its boundary", async () => {
    await runComponent(
      plugin,
      { endpoint: `${base}/echo`, headers: { "Content-Type": "multipart/form-data" } },
      { name: "file.txt", tags: ["a", "b"] },
    );
    expect(last().headers.get("content-type")).toStartWith("multipart/form-data; boundary=");
    expect(JSON.parse(last().body)).toEqual({ name: ["file.txt"], tags: ["a", "b"] });
  });

  test("body: null sends no body, not even the job input", async () => {
    await runComponent(plugin, { endpoint: `${base}/echo`, body: null }, { some: "input" });
    expect(last().method).toBe("POST");
    expect(last().body).toBe("");
    expect(last().headers.has("content-type")).toBe(false);
  });

  test("GET sends no body and ignores the job input", async () => {
    await runComponent(plugin, { endpoint: `${base}/echo`, method: "GET" }, { some: "input" });
    expect(last().method).toBe("GET");
    expect(last().body).toBe("");
  });

  test("a GET with body: fails before sending", async () => {
    const before = received.length;
    const message = await errorOf(
      runComponent(plugin, { endpoint: `${base}/echo`, method: "GET", body: { a: 1 } }, null),
    );
    expect(message).toBe("a GET request cannot have a body; remove `body:` or use params");
    expect(received.length).toBe(before);
  });
});

describe("binary responses", () => {
  const expected = Buffer.from(BINARY).toString("base64");

  test("an image/png reply keeps its bytes: as base64 decodes to what the server sent", async () => {
    const { output } = await runYaml(
      `workflow:\n  component: http-client\n  endpoint: ${base}/binary/png\n  method: GET\n  output:\n    image: \${response as base64}\n    type: \${response.content_type}\n`,
    );
    expect(output).toEqual({ image: expected, type: "image/png" });
    expect([...Buffer.from((output as { image: string }).image, "base64")]).toEqual([...BINARY]);
  });

  test("the natural output carries the bytes as base64 with their content type in JSON", async () => {
    const result = await runComponent(plugin, { endpoint: `${base}/binary/mp3`, method: "GET" }, undefined);
    const json = JSON.parse(JSON.stringify(result.output));
    expect(json).toEqual({ content_type: "audio/mpeg", base64: expected });
    expect([...Buffer.from(json.base64, "base64")]).toEqual([...BINARY]);
  });

  test("a reply without a Content-Type that is not UTF-8 is bytes too", async () => {
    const result = await runComponent(plugin, { endpoint: `${base}/untyped/x`, method: "GET" }, undefined);
    expect(JSON.parse(JSON.stringify(result.output))).toEqual({
      content_type: "application/octet-stream",
      base64: expected,
    });
  });

  test("media hints carry bytes into a request body, sent as they are with their type", async () => {
    const { output } = await runYaml(
      `workflow:\n  component: http-client\n  endpoint: ${base}/upload/x\n  body: \${input.audio as audio/wav;base64}\n`,
      { audio: expected },
    );
    expect(output).toEqual({ type: "audio/wav", base64: expected });
  });
});

describe("retries by default", () => {
  test.each([408, 429, 502, 503, 504])(
    "an idempotent GET is retried on %d twice without any retry: option",
    async (code) => {
      const key = uniq(String(code));
      const result = await runComponent(
        plugin,
        { endpoint: `${base}/status/${key}`, method: "GET", retry: { delay: "1ms" } },
        undefined,
      );
      expect(result.output).toEqual({ attempt: 3 });
      expect(hits.get(key)).toBe(3);
    },
  );

  test("with no retry: at all, a GET that fails twice with 503 succeeds on its third attempt", async () => {
    const key = uniq("503");
    const result = await runComponent(
      plugin,
      { endpoint: `${base}/status/${key}`, method: "DELETE" },
      undefined,
    );
    expect(result.output).toEqual({ attempt: 3 });
  });

  test("500 is not retried by default; POST and PATCH are not; max_attempts: 1 turns retrying off", async () => {
    for (const [config, input] of [
      [{ endpoint: `${base}/status/500-${uniq("a")}`, method: "GET", retry: { delay: "1ms" } }, undefined],
      [{ endpoint: `${base}/status/503-${uniq("b")}`, method: "POST", retry: { delay: "1ms" } }, { a: 1 }],
      [{ endpoint: `${base}/status/503-${uniq("c")}`, method: "PATCH", retry: { delay: "1ms" } }, { a: 1 }],
      [{ endpoint: `${base}/status/503-${uniq("d")}`, method: "GET", retry: { max_attempts: 1 } }, undefined],
    ] as const) {
      await errorOf(runComponent(plugin, config, input));
      const key = config.endpoint.split("/").pop()!;
      expect(hits.get(key)).toBe(1);
    }
  });
});

describe("retries", () => {
  test("a 5xx is retried until it succeeds; the server sees every attempt", async () => {
    const key = uniq("get");
    const result = await runComponent(
      plugin,
      { endpoint: `${base}/flaky/${key}`, method: "GET", retry: { max_attempts: 4, delay: "10ms" } },
      undefined,
    );
    expect(result.output).toEqual({ attempt: 3 });
    expect(hits.get(key)).toBe(3);
  });

  test("when attempts run out the last failure is reported with the attempt count", async () => {
    const key = uniq("down");
    const message = await errorOf(
      runComponent(
        plugin,
        { endpoint: `${base}/down/${key}`, method: "PUT", retry: { max_attempts: 2, delay: "1ms" } },
        {},
      ),
    );
    expect(message).toBe(
      `HTTP 503 Service Unavailable from PUT ${base}/down/${key} (after 2 attempts): always down`,
    );
    expect(hits.get(key)).toBe(2);
  });

  test("POST is not retried unless retry.non_idempotent is set", async () => {
    const key = uniq("post");
    const message = await errorOf(
      runComponent(
        plugin,
        { endpoint: `${base}/flaky/${key}`, retry: { max_attempts: 5, delay: "1ms" } },
        { a: 1 },
      ),
    );
    expect(message).toStartWith(`HTTP 503 Service Unavailable from POST ${base}/flaky/${key}: busy 1`);
    expect(hits.get(key)).toBe(1);

    const key2 = uniq("post");
    const result = await runComponent(
      plugin,
      { endpoint: `${base}/flaky/${key2}`, retry: { max_attempts: 5, delay: "1ms", non_idempotent: true } },
      { a: 1 },
    );
    expect(result.output).toEqual({ attempt: 3 });
    expect(hits.get(key2)).toBe(3);
  });

  test("a status outside on_status is not retried", async () => {
    const key = uniq("only");
    await errorOf(
      runComponent(
        plugin,
        {
          endpoint: `${base}/down/${key}`,
          method: "GET",
          retry: { max_attempts: 3, delay: "1ms", on_status: [502] },
        },
        undefined,
      ),
    );
    expect(hits.get(key)).toBe(1);
  });

  test("Retry-After on a 429 is waited for instead of the backoff", async () => {
    const key = uniq("limited");
    const result = await runComponent(
      plugin,
      { endpoint: `${base}/limited/${key}`, method: "GET", retry: { max_attempts: 2, delay: "1ms" } },
      undefined,
    );
    expect(result.output).toEqual({ attempt: 2 });
    const times = received.filter((r) => r.path === `/limited/${key}`).map((r) => r.at);
    expect(times).toHaveLength(2);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(900);
  });

  test("a connection error is retried, then reported", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const url = `http://127.0.0.1:${closed.port}/gone`;
    closed.stop(true);
    const message = await errorOf(
      runComponent(
        plugin,
        { endpoint: url, method: "GET", retry: { max_attempts: 2, delay: "1ms" } },
        undefined,
      ),
    );
    expect(message).toStartWith(`cannot reach GET ${url}: `);
    expect(message).toEndWith("(after 2 attempts)");
  });
});

describe("timeouts and cancellation", () => {
  test("a response slower than timeout fails with a timeout message", async () => {
    const message = await errorOf(
      runComponent(
        plugin,
        { endpoint: `${base}/slow`, method: "GET", timeout: "200ms", retry: { delay: "1ms" } },
        undefined,
      ),
    );
    // A timeout is retried like a connection error: 3 attempts by default.
    expect(message).toBe(`timed out after 200 ms: GET ${base}/slow (after 3 attempts)`);
  });

  test("aborting the call's signal cancels the request", async () => {
    const { ctx, controller } = callContext();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const message = await errorOf(
      runComponent(plugin, { endpoint: `${base}/slow`, method: "GET" }, undefined, ctx),
    );
    expect(message).toBe(`cancelled: GET ${base}/slow`);
    // The server holds /slow for seconds; a call that waited would take that long.
    expect(performance.now() - started).toBeLessThan(SLOW_MS / 2);
  });

  test("aborting while waiting to retry stops the retries", async () => {
    const key = uniq("abort-retry");
    const { ctx, controller } = callContext();
    setTimeout(() => controller.abort(), 150);
    const message = await errorOf(
      runComponent(
        plugin,
        { endpoint: `${base}/down/${key}`, method: "GET", retry: { max_attempts: 5, delay: "10s" } },
        undefined,
        ctx,
      ),
    );
    expect(message).toBe(`cancelled: GET ${base}/down/${key}`);
    expect(hits.get(key)).toBe(1);
  });
});

describe("secrets", () => {
  test("the Authorization header never reaches the logs or the error", async () => {
    const secret = "Bearer sk-test-0123456789abcdef";
    const key = uniq("secret");
    const { ctx, logs } = callContext();
    const message = await errorOf(
      runComponent(
        plugin,
        {
          endpoint: `${base}/down/${key}`,
          method: "GET",
          headers: { Authorization: secret, "X-Api-Key": "key-abcdef" },
          params: { api_key: "qs-secret-value", page: 2 },
          retry: { max_attempts: 2, delay: "1ms" },
        },
        undefined,
        ctx,
      ),
    );
    expect(last().headers.get("authorization")).toBe(secret);
    expect(last().query.get("api_key")).toBe("qs-secret-value");
    const text = logs();
    expect(text).toContain("http request");
    expect(text).toContain("retrying");
    for (const leaked of ["sk-test-0123456789abcdef", "key-abcdef", "qs-secret-value"]) {
      expect(text).not.toContain(leaked);
      expect(message).not.toContain(leaked);
    }
    expect(message).toContain("api_key=***&page=2");
  });
});

describe("configuration", () => {
  test("the schema fills defaults and converts durations to ms", () => {
    const config = v.parse(HttpClientSchema, { endpoint: "http://h", method: "patch", timeout: "5s" });
    expect(config.method).toBe("PATCH");
    expect(config.timeout).toBe(5000);
    expect(config.retry).toEqual({
      max_attempts: 3,
      delay: 500,
      max_delay: 30_000,
      on_status: [408, 429, 502, 503, 504],
      non_idempotent: false,
    });
    expect(v.parse(HttpClientSchema, {}).timeout).toBe(60_000);
  });

  test("schema errors name the key and the choices", () => {
    const issues = v.safeParse(HttpClientSchema, { endpoint: "http://h", methd: "GET", method: "FETCH" })
      .issues!;
    const messages = issues.map((i) => i.message);
    expect(messages).toContain(
      'expected an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS), found the string "FETCH"',
    );
    expect(messages.some((m) => m.startsWith('unknown key "methd"; did you mean "method"?'))).toBe(true);
    const retry = v.safeParse(HttpClientSchema, { retry: { max_attempts: 0 } }).issues!;
    expect(retry[0].message).toBe("expected at least 1 attempt");
  });
});
