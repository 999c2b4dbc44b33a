/**
 * Compose files written in the Python model-compose's style (corpus/): each one loads
 * and runs with the output upstream's semantics give; what is not built in fails with
 * one error that names every such type and where it is written.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { loadProject } from "../../mod.ts";
import { startController } from "../../runtime/controller/server.ts";
import { runWorkflow } from "../../runtime/workflow/run-workflow.ts";

/** Bytes a speech API would return: not UTF-8, every byte value. */
const AUDIO = new Uint8Array([0xff, 0xfb, 0x90, 0x64, ...Array.from({ length: 256 }, (_, i) => 255 - i)]);
const received: Array<{ path: string; headers: Headers; body: unknown }> = [];
let api: ReturnType<typeof Bun.serve>;
let apiUrl: string;

beforeAll(() => {
  api = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const text = await req.text();
      received.push({ path: url.pathname, headers: req.headers, body: text ? JSON.parse(text) : null });
      if (url.pathname === "/chat/completions")
        return Response.json({ choices: [{ message: { role: "assistant", content: "**42**" } }] });
      if (url.pathname === "/audio/speech")
        return new Response(AUDIO, { headers: { "content-type": "audio/mpeg" } });
      if (url.pathname === "/status") return Response.json({ ok: true });
      return new Response("no such route", { status: 404 });
    },
  });
  apiUrl = `http://127.0.0.1:${api.port}`;
});
afterAll(() => api.stop(true));

const corpus = path.join(import.meta.dir, "corpus");
/** Files that are meant to be refused; every other file must load. */
const REFUSED = new Set(["unsupported-types.yml", "unsupported-features.yml"]);

const load = (name: string, env: Record<string, string> = {}) =>
  loadProject({
    files: [path.join(corpus, name)],
    cwd: corpus,
    processEnv: { PATH: process.env.PATH, API_URL: apiUrl, ...env },
  });

describe("upstream-style corpus", () => {
  for (const name of readdirSync(corpus).filter((f) => f.endsWith(".yml") && !REFUSED.has(f))) {
    test(`${name} loads`, async () => {
      const project = await load(name);
      expect(project.workflows.size).toBeGreaterThan(0);
    });
  }

  test("shorthands: adapter, webui map, job:, a component without id, loggers:, runtime: embedded", async () => {
    const project = await load("shorthands.yml");
    expect(project.controller.webui).toBe(true);
    expect(project.controller.port).toBe(8080);
    expect([...project.components.keys()]).toEqual(["__component__"]);
    expect(project.loggers).toEqual([{ type: "console", level: "warning" }]);
    const wf = project.workflows.get(project.defaultWorkflowId ?? "")!;
    expect(wf.title).toBe("Greeter");
    // The component reads the workflow input through `input: ${input}`: its annotation describes it.
    expect(wf.inputVariables).toEqual(["name"]);
    expect(wf.inputHints.name).toEqual({ description: "Who to greet" });
    const { output } = await runWorkflow(project, undefined, { name: "Ann" });
    expect(output).toEqual({ greeting: "hello Ann" });
  });

  test("jobs without component: use the component marked default: true; private workflows run from the CLI", async () => {
    const project = await load("default-component.yml");
    expect((await runWorkflow(project, "plain", { text: "abc" })).output).toBe("abc");
    expect((await runWorkflow(project, "loud", { text: "abc" })).output).toBe("ABC");
    expect(project.workflows.get("loud")?.isPrivate).toBe(true);
    expect(project.workflows.get("plain")?.inputHints.text).toEqual({ description: "Text to repeat" });
  });

  test("types that are not built in: one error naming each with its line", async () => {
    const file = path.join(corpus, "unsupported-types.yml");
    const error = await load("unsupported-types.yml").then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).toBe("ConfigError");
    const lines = error!.message.split("\n");
    expect(lines[0]).toBe(
      "4 types and features this file uses are not built into model-compose: model, file-store, docker, for-each",
    );
    expect(lines.slice(1, 5)).toEqual([
      `  ${file}:8:11: components[0].type: component type "model"`,
      `  ${file}:12:11: components[1].type: component type "file-store"`,
      `  ${file}:13:14: components[1].runtime: component runtime "docker"`,
      `  ${file}:18:13: workflows[0].jobs[0].type: job type "for-each"`,
    ]);
    expect(lines[6]).toContain("other component types come from plugins");
    expect(lines[6]).toContain("docs/plugins.md");
  });
  test("http-chat: the request upstream would send, the answer read from the response", async () => {
    const project = await load("http-chat.yml");
    const { output } = await runWorkflow(project, undefined, { prompt: "What is six times seven?" });
    expect(output).toEqual({ answer: "**42**" });
    const request = received.findLast((r) => r.path === "/chat/completions")!;
    expect(request.body).toEqual({
      model: "small-model",
      temperature: 0.7,
      messages: [{ role: "user", content: "What is six times seven?" }],
    });
    expect(request.headers.get("authorization")).toBe("Bearer none");
    const wf = project.workflows.get(project.defaultWorkflowId!)!;
    expect(wf.inputHints).toEqual({
      model: { description: "Which model answers", type: "select", options: ["small-model", "large-model"] },
      temperature: { type: "number" },
      prompt: { description: "The question to ask" },
    });
  });

  test("http-speech: the audio bytes come back intact, as a media value and as base64", async () => {
    const project = await load("http-speech.yml");
    const { output } = await runWorkflow(project, undefined, { text: "hello" });
    const json = JSON.parse(JSON.stringify(output));
    const base64 = Buffer.from(AUDIO).toString("base64");
    expect(json).toEqual({ audio: { content_type: "audio/mpeg", base64 }, audio_base64: base64 });
    expect([...Buffer.from(json.audio_base64, "base64")]).toEqual([...AUDIO]);
    expect(received.findLast((r) => r.path === "/audio/speech")?.body).toEqual({
      voice: "alloy",
      input: "hello",
    });
  });

  test("shell-steps: result.stdout, .stderr and .exit_code, jobs in the order listed", async () => {
    const project = await load("shell-steps.yml");
    const { output } = await runWorkflow(project, "count", { text: "one two three" });
    expect(output).toEqual({ first: { words: 3, note: "counted", code: 0 }, second: 2 });
    expect((await runWorkflow(project, "fetch-json", {})).output).toEqual({ ok: true });
  });

  test("over HTTP: annotations describe the inputs, private workflows are hidden, webui serves the page", async () => {
    const project = await load("default-component.yml");
    project.controller.port = 0;
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const controller = await startController(project, { logger: pino({ level: "info" }, sink) });
    try {
      const base = `${controller.url}/api`;
      const list = (await (await fetch(`${base}/workflows`)).json()) as Array<{ id: string }>;
      expect(list.map((w) => w.id)).toEqual(["plain"]);
      const detail = (await (await fetch(`${base}/workflows/plain`)).json()) as { input: unknown };
      expect(detail.input).toEqual([{ name: "text", required: false, description: "Text to repeat" }]);
      expect((await fetch(`${base}/workflows/loud`)).status).toBe(404);
      const run = await fetch(`${base}/workflows/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ workflow_id: "loud", input: { text: "x" }, wait_for_completion: true }),
      });
      expect(run.status).toBe(404);
      expect(((await run.json()) as { error: string }).error).toBe(
        'unknown workflow "loud" (workflows: plain)',
      );
      // Upstream's webui map: the controller's own page, on its own port.
      const page = await fetch(`${controller.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    } finally {
      await controller.shutdown(1000);
    }
  });

  test("upstream fields of built-in types that are not here are named too", async () => {
    const file = path.join(corpus, "unsupported-features.yml");
    const error = await load("unsupported-features.yml").then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message.split("\n").slice(0, 3)).toEqual([
      "2 types and features this file uses are not built into model-compose: http-client stream_format, job interrupt",
      `  ${file}:10:20: components[0].action.stream_format: http-client field "stream_format"`,
      `  ${file}:15:7: workflows[0].jobs[0].interrupt: job field "interrupt"`,
    ]);
  });

  test("guide-style: a workflow without jobs is one job calling the only component", async () => {
    const project = await load("guide-style.yml");
    const { output } = await runWorkflow(project, undefined, { prompt: "Hi" });
    expect(output).toEqual({ message: "**42**" });
    expect(received.findLast((r) => r.path === "/chat/completions")?.body).toEqual({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Hi" }],
    });
  });
});
