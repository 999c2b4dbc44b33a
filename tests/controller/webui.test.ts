/**
 * The web page's routes on a real controller: on by default at `/`, off with
 * `webui: false`, moved by `webui_path`; public with API keys on (the API is not);
 * strict security headers; gzip; and the built bundle is what webui/src gives.
 */
import { afterAll, describe, expect, test } from "bun:test";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import YAML from "yaml";
import { type RunningController, startController } from "../../runtime/controller/server.ts";
import { APP_JS } from "../../runtime/controller/webui-assets.gen.ts";
import { silentLogger } from "../../runtime/log.ts";
import { webuiAssetsModule } from "../../scripts/build-webui.ts";
import { load } from "../core/helpers.ts";
import { project } from "../support/files.ts";
import { freePort } from "../support/net.ts";

const running: RunningController[] = [];
afterAll(async () => {
  for (const c of running) await c.shutdown(0);
});

async function controllerWith(controller: Record<string, unknown>): Promise<RunningController> {
  const doc = {
    controller: { port: freePort(), ...controller },
    workflow: { component: "logger" },
  };
  const p = await load(project(YAML.stringify(doc)), { processEnv: { PATH: process.env.PATH } });
  const c = await startController(p, { logger: silentLogger() });
  running.push(c);
  return c;
}

describe("the web page's routes", () => {
  test("on by default at /: the HTML shell names the API base and loads only its own files", async () => {
    const c = await controllerWith({ title: "Tools <&>" });
    const r = await fetch(`${c.url}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'; script-src 'self'");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    const html = await r.text();
    expect(html).toContain('<meta name="model-compose-base" content="/api">');
    expect(html).toContain("<title>Tools &#60;&#38;&#62;</title>");
    const script = /src="([^"]+)"/.exec(html)![1];
    expect(script).toMatch(/^\/app\.js\?v=/);
    // No other origin anywhere: nothing is fetched from outside at run time.
    expect(html).not.toMatch(/https?:\/\//);
    const js = await fetch(c.url + script);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(await js.text()).toBe(APP_JS);
    const etag = js.headers.get("etag")!;
    expect((await fetch(c.url + script, { headers: { "If-None-Match": etag } })).status).toBe(304);
  });

  test("gzip when the client takes it; the script is far under 100 KB gzipped", async () => {
    const c = await controllerWith({});
    const r = await fetch(`${c.url}/app.js`, { headers: { "Accept-Encoding": "gzip" }, decompress: false });
    expect(r.headers.get("content-encoding")).toBe("gzip");
    const body = new Uint8Array(await r.arrayBuffer());
    expect(gunzipSync(body).toString()).toBe(APP_JS);
    expect(body.length).toBeLessThan(100 * 1024);
  });

  test("webui: false serves no page", async () => {
    const c = await controllerWith({ webui: false });
    const r = await fetch(`${c.url}/`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: "no route GET /" });
  });

  test("webui_path moves it; / is then no page", async () => {
    const c = await controllerWith({ webui_path: "/ui" });
    for (const p of ["/ui", "/ui/"]) expect((await fetch(c.url + p)).status).toBe(200);
    expect(await (await fetch(`${c.url}/ui`)).text()).toContain('src="/ui/app.js?v=');
    expect((await fetch(`${c.url}/ui/app.css`)).status).toBe(200);
    expect((await fetch(`${c.url}/`)).status).toBe(404);
  });

  test("upstream's map form means on", async () => {
    const c = await controllerWith({ webui: { driver: "gradio", port: 8081 } });
    expect((await fetch(`${c.url}/`)).status).toBe(200);
  });

  test("with API keys on, the page loads without one, the API it calls does not", async () => {
    const c = await controllerWith({ auth: { api_keys: ["k1"] } });
    expect((await fetch(`${c.url}/`)).status).toBe(200);
    expect((await fetch(`${c.url}/app.js`)).status).toBe(200);
    expect((await fetch(`${c.url}/api/workflows`)).status).toBe(401);
  });

  test("a webui_path that is not a path is an error naming the key", async () => {
    const doc = { controller: { webui_path: "ui" }, workflow: { component: "logger" } };
    const dir = project(YAML.stringify(doc));
    const error = await load(dir).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe(
      `${path.join(dir, "model-compose.yml")}:2:15: controller.webui_path: expected a path starting with /, found the string "ui"`,
    );
  });
});

test("runtime/controller/webui-assets.gen.ts is what webui/src builds to (bun scripts/build-webui.ts)", async () => {
  const { text } = await webuiAssetsModule();
  expect(
    await Bun.file(path.resolve(import.meta.dir, "../../runtime/controller/webui-assets.gen.ts")).text(),
  ).toBe(text);
});
