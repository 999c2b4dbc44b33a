// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * `controller.auth.api_keys` through a real server: every route but the health check
 * needs `Authorization: Bearer <key>`. The other cases (wrong keys, unknown routes,
 * load errors) run in-process in runtime/controller/app-requests.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cleanup, makeProject, request, startRun, type TestProject, upForeground } from "./helpers.ts";

describe("API keys", () => {
  let project: TestProject;
  const good = { Authorization: "Bearer s3cret-one" };

  beforeAll(async () => {
    project = makeProject({
      controller: { auth: { api_keys: ["s3cret-one", "s3cret-two"] }, origins: ["http://app.example"] },
      workflows: [
        { id: "hi", jobs: [{ id: "say", component: "shell", command: "printf hi", output: "${stdout}" }] },
      ],
    });
    await upForeground(project);
  });
  afterAll(cleanup);

  test("no Authorization header is 401 with a JSON error and a Bearer challenge", async () => {
    for (const route of [`${project.api}/workflows`, `${project.api}/tasks/x`, `${project.url}/metrics`]) {
      const reply = await request(route);
      expect(reply.status).toBe(401);
      expect(reply.body.error).toContain("Authorization: Bearer");
      expect(reply.headers.get("www-authenticate")).toStartWith("Bearer");
    }
    const run = await startRun(project, { input: {} });
    expect(run.status).toBe(401);
  });

  test("each configured key is accepted", async () => {
    expect((await request(`${project.api}/workflows`, { headers: good })).status).toBe(200);
    const second = await request(`${project.api}/workflows`, {
      headers: { Authorization: "bearer s3cret-two" },
    });
    expect(second.status).toBe(200);
    const run = await startRun(project, { input: {} }, good);
    expect(run.status).toBe(200);
    expect(run.body.output).toBe("hi");
    expect((await request(`${project.api}/tasks/${run.body.task_id}`, { headers: good })).status).toBe(200);
    expect((await request(`${project.url}/metrics`, { headers: good })).status).toBe(200);
  });

  test("the health check needs no key", async () => {
    for (const route of [`${project.url}/health`, `${project.api}/health`]) {
      const reply = await request(route);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ status: "ok", instance_id: expect.any(String) });
    }
  });

  test("a CORS preflight from an allowed origin needs no key (browsers send none)", async () => {
    const reply = await request(`${project.api}/workflows/runs`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
      },
    });
    expect(reply.status).toBe(204);
    expect(reply.headers.get("access-control-allow-origin")).toBe("http://app.example");
    expect(reply.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const other = await request(`${project.api}/workflows`, {
      headers: { ...good, Origin: "http://evil.example" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
