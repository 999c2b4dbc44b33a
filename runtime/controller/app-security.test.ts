/**
 * A web page must not drive a local controller: the attacks, reproduced in-process.
 * A page on evil.example posts to http://127.0.0.1:8080 (cross-origin), or makes
 * evil.example resolve to 127.0.0.1 (DNS rebinding) so that its requests are
 * "same-origin" and only the Host header says where they were meant to go.
 */
import { describe, expect, test } from "bun:test";
import { GREET, loadDoc, testApp } from "./_test-app.ts";

const run = { workflow_id: "greet", input: { name: "x" } };

describe("default: no cross-origin access, loopback answers only for its own names", () => {
  test("a cross-origin POST from another site is refused and starts no run", async () => {
    const app = await testApp();
    const reply = await app.post("/api/workflows/runs", run, { Origin: "http://evil.example" });
    expect(reply.status).toBe(403);
    expect(reply.body.error).toBe(
      'cross-origin request from "http://evil.example" refused: controller.origins does not list it (no cross-origin access is allowed)',
    );
    expect(reply.headers.get("access-control-allow-origin")).toBeNull();
    expect(app.executor.requests).toHaveLength(0);
  });

  test("a form-style simple POST (text/plain, no preflight) from another site starts no run", async () => {
    const app = await testApp();
    const reply = await app.request("/api/tasks/x/cancel", {
      method: "POST",
      headers: { Origin: "http://evil.example", "Content-Type": "text/plain" },
      body: "x",
    });
    expect(reply.status).toBe(403);
  });

  test("a CORS preflight from another site gets no CORS headers", async () => {
    const app = await testApp();
    const reply = await app.request("/api/workflows/runs", {
      method: "OPTIONS",
      headers: {
        Origin: "http://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    expect(reply.status).toBe(403);
    expect(reply.headers.get("access-control-allow-origin")).toBeNull();
    expect(reply.headers.get("access-control-allow-methods")).toBeNull();
  });

  test("DNS rebinding: Host evil.example:8080 with its own Origin is refused (403, JSON) on every route", async () => {
    const app = await testApp();
    const rebound = { Host: "evil.example:8080", Origin: "http://evil.example:8080" };
    const post = await app.post("/api/workflows/runs", run, rebound);
    expect(post.status).toBe(403);
    expect(post.body.error).toBe(
      'requests for host "evil.example:8080" are refused: this controller listens on 127.0.0.1 and answers only for localhost, 127.0.0.1 or an IP address; add the name to controller.allowed_hosts to serve it (a page that reaches the controller under another name, e.g. through DNS rebinding, must not drive it)',
    );
    for (const path of ["/api/workflows", "/api/tasks/x", "/health", "/metrics", "/nowhere"]) {
      const reply = await app.request(path, { headers: { Host: "evil.example:8080" } });
      expect({ path, status: reply.status, json: typeof reply.body.error }).toEqual({
        path,
        status: 403,
        json: "string",
      });
    }
    expect(app.executor.requests).toHaveLength(0);
  });

  test("its own address, localhost and IP literals are served; so is a same-origin page", async () => {
    const app = await testApp();
    for (const host of ["127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:8080", "127.0.0.2"]) {
      const reply = await app.request("/api/workflows", { headers: { Host: host } });
      expect({ host, status: reply.status }).toEqual({ host, status: 200 });
    }
    const page = await app.post("/api/workflows/runs", run, { Origin: "http://127.0.0.1:8080" });
    expect(page.status).toBe(200);
    expect(page.body.output).toEqual({ name: "x" });
    const localhost = await app.post("/api/workflows/runs", run, {
      Host: "localhost:8080",
      Origin: "http://localhost:8080",
    });
    expect(localhost.status).toBe(200);
  });

  test("another port on the same host is another origin", async () => {
    const app = await testApp();
    const reply = await app.post("/api/workflows/runs", run, { Origin: "http://127.0.0.1:3000" });
    expect(reply.status).toBe(403);
  });

  test("a malformed Host is refused", async () => {
    const app = await testApp();
    for (const host of ["evil.example/x", "a b", "user@127.0.0.1"]) {
      const reply = await app.request("/api/workflows", { headers: { Host: host } });
      expect({ host, status: reply.status }).toEqual({ host, status: 403 });
    }
  });

  test("verdicts stay the same when asked again and after hundreds of other names", async () => {
    const app = await testApp();
    const status = async (host: string) =>
      (await app.request("/api/workflows", { headers: { Host: host } })).status;
    for (let round = 0; round < 2; round++) {
      expect(await status("evil.example")).toBe(403);
      expect(await status("localhost:8080")).toBe(200);
    }
    for (let i = 0; i < 300; i++) expect(await status(`n${i}.evil.example`)).toBe(403);
    expect(await status("evil.example")).toBe(403);
    expect(await status("127.0.0.1:8080")).toBe(200);
  });
});

describe("deliberate cross-origin use", () => {
  test("origins lists the sites that may call; their preflight and requests get CORS headers", async () => {
    const app = await testApp(GREET, { controller: { origins: ["https://app.example"] } });
    const preflight = await app.request("/api/workflows/runs", {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const reply = await app.post("/api/workflows/runs", run, { Origin: "https://app.example" });
    expect(reply.status).toBe(200);
    expect(reply.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const evil = await app.post("/api/workflows/runs", run, { Origin: "http://evil.example" });
    expect(evil.status).toBe(403);
    expect(evil.body.error).toContain("(allowed: https://app.example)");
  });

  test('origins: "*" lets any site call (and read the answers)', async () => {
    const app = await testApp(GREET, { controller: { origins: "*" } });
    const reply = await app.post("/api/workflows/runs", run, { Origin: "http://anywhere.example" });
    expect(reply.status).toBe(200);
    expect(reply.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("allowed_hosts adds names the loopback controller answers for", async () => {
    const app = await testApp(GREET, { controller: { allowed_hosts: ["mc.internal"] } });
    expect((await app.request("/api/workflows", { headers: { Host: "mc.internal:8080" } })).status).toBe(200);
    expect((await app.request("/api/workflows", { headers: { Host: "evil.example" } })).status).toBe(403);
  });

  test('allowed_hosts: ["*"] turns the Host check off', async () => {
    const app = await testApp(GREET, { controller: { allowed_hosts: ["*"] } });
    expect((await app.request("/api/workflows", { headers: { Host: "evil.example" } })).status).toBe(200);
  });

  test("a controller on a public address answers for any Host, unless allowed_hosts lists names", async () => {
    const open = await testApp(GREET, { controller: { host: "0.0.0.0" } });
    expect((await open.request("/api/workflows", { headers: { Host: "mc.example.com" } })).status).toBe(200);
    // The Origin check still holds there.
    const cross = await open.post("/api/workflows/runs", run, {
      Host: "mc.example.com",
      Origin: "http://evil.example",
    });
    expect(cross.status).toBe(403);
    const listed = await testApp(GREET, {
      controller: { host: "0.0.0.0", allowed_hosts: ["mc.example.com"] },
    });
    expect((await listed.request("/api/workflows", { headers: { Host: "mc.example.com" } })).status).toBe(
      200,
    );
    expect((await listed.request("/api/workflows", { headers: { Host: "other.example" } })).status).toBe(403);
    expect((await listed.request("/health", { headers: { Host: "10.0.0.5:8080" } })).status).toBe(200);
  });
});

describe("settings that could never work are load errors", () => {
  async function loadError(controller: Record<string, unknown>): Promise<string> {
    try {
      await loadDoc(`controller: ${JSON.stringify(controller)}\nworkflow:\n  component: echo\n`);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected a load error");
  }

  test("an origin with a path (a trailing slash never matches what browsers send)", async () => {
    expect(await loadError({ origins: ["https://app.example/"] })).toContain(
      'controller.origins[0]: expected an origin like https://app.example.com (scheme, host and port, no path), or "*", found the string "https://app.example/"',
    );
  });

  test("a host name with a scheme or a port", async () => {
    expect(await loadError({ allowed_hosts: ["http://mc.internal"] })).toContain(
      'controller.allowed_hosts[0]: expected a host name like app.example.com (no scheme, no port), or "*", found the string "http://mc.internal"',
    );
  });
});
