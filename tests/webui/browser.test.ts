// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The controller's web page in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core), against a real controller on 127.0.0.1: pick a workflow, fill its
 * form, run it and see its jobs turn done in order and the output appear; a failing
 * run's job and error; cancelling a long run; run history; the API-key prompt; phone
 * width and dark mode. Each step saves a screenshot under logs/webui/ (the best are
 * copied to docs/images/ by hand). Also measures the time to first render.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import YAML from "yaml";
import { type RunningController, startController } from "../../runtime/controller/server.ts";
import { silentLogger } from "../../runtime/log.ts";
import { load } from "../core/helpers.ts";
import { project } from "../support/files.ts";
import { freePort } from "../support/net.ts";

// What the functions passed to page.evaluate see (they run in the page, not here).
// biome-ignore lint/suspicious/noExplicitAny: browser globals, untyped in this (non-DOM) project
type Browser = any;
declare const window: Browser;
declare const document: Browser;
declare const MutationObserver: Browser;
declare const requestAnimationFrame: Browser;
declare const getComputedStyle: Browser;
declare const sessionStorage: Browser;

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = path.resolve(import.meta.dir, "../../logs/webui");

const WORKFLOWS = [
  {
    id: "greet",
    title: "Greet someone",
    description: "Fetches a few things, then says hello",
    default: true,
    input: {
      name: "${input.name as text @(description Who to greet)}",
      times: "${input.times as integer | 2}",
      loud: "${input.loud as boolean | false}",
    },
    jobs: [
      {
        id: "fetch",
        component: "shell",
        command: "for i in 1 2 3; do echo fetching part $i; sleep 0.2; done",
      },
      { id: "shape", component: "shell", command: "sleep 0.2; echo shaped" },
      {
        id: "compose",
        component: "shell",
        command: `printf '{"greeting": "hello %s", "times": %s, "loud": %s}' \${input.name} \${input.times} \${input.loud}`,
        output: "${output as json}",
      },
    ],
  },
  {
    id: "broken",
    title: "Always fails",
    jobs: [
      { id: "fine", component: "shell", command: "echo all good" },
      { id: "explode", component: "shell", command: "echo boom >&2; exit 3" },
      { id: "never", component: "shell", command: "true" },
    ],
  },
  {
    id: "long",
    title: "Takes a minute",
    jobs: [{ id: "wait", component: "shell", command: "echo started; sleep 60" }],
  },
];

/** Polls until `check` holds (Playwright's own expect is not bun:test's). */
async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

const hasCount = (l: Locator, n: number) => until(`${n} of ${l}`, async () => (await l.count()) === n);
const hasText = (l: Locator, text: string) =>
  until(`"${text}" in ${l}`, async () => ((await l.first().textContent()) ?? "").includes(text));
const hasAttribute = (l: Locator, name: string, value: string) =>
  until(`${name}=${value} on ${l}`, async () => (await l.first().getAttribute(name)) === value);
const hasValue = (l: Locator, value: string) =>
  until(`value ${value} in ${l}`, async () => (await l.first().inputValue()) === value);

const running: RunningController[] = [];
let context: BrowserContext;
let profile: string;

async function controllerWith(
  controller: Record<string, unknown> = {},
  workflows: unknown[] = WORKFLOWS,
): Promise<RunningController> {
  const doc = {
    controller: { port: freePort(), title: "Demo controller", ...controller },
    workflows,
  };
  const p = await load(project(YAML.stringify(doc)), { processEnv: { PATH: process.env.PATH } });
  const c = await startController(p, { logger: silentLogger() });
  running.push(c);
  return c;
}

/** A new tab that fails the test on any console error or page error. */
async function newPage(problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: scripts/ci/setup.sh installs Debian's chromium`);
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(path.join(tmpdir(), "mc-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 720 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await context?.close();
  for (const c of running) await c.shutdown(0);
  rmSync(profile, { recursive: true, force: true });
});

describe("the web page", () => {
  let c: RunningController;
  beforeAll(async () => {
    c = await controllerWith();
  });

  test("pick a workflow, fill its form, run it: jobs turn done in order, the output appears", async () => {
    const problems: string[] = [];
    const page = await newPage(problems);
    // Record the order in which job rows turn completed.
    await page.addInitScript(() => {
      const w = window as unknown as { doneOrder: string[] };
      w.doneOrder = [];
      new MutationObserver(() => {
        for (const li of document.querySelectorAll("li.job[data-status=completed]") as {
          dataset: { job: string };
        }[]) {
          const id: string = li.dataset.job;
          if (!w.doneOrder.includes(id)) w.doneOrder.push(id);
        }
      }).observe(document, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ["data-status"],
      });
    });
    await page.goto(`${c.url}/`);
    // The first render: the default workflow's form.
    const firstRender = await page.evaluate(async () => {
      while (!document.querySelector("form.run-form")) await new Promise((r) => requestAnimationFrame(r));
      return performance.now();
    });
    console.log(`time to first render (navigation start to the form): ${firstRender.toFixed(0)} ms`);
    await hasCount(page.locator("nav .workflows li"), 3);
    expect(await page.locator("nav .workflows li").first().textContent()).toContain("default");
    await page.getByRole("link", { name: /Greet someone/ }).click();
    await page.getByLabel(/^name/).fill("Ada");
    await page.getByLabel(/^times/).fill("3");
    await page.getByLabel(/^loud/).check();
    await shot(page, "1-form");
    await page.getByRole("button", { name: "Run" }).click();
    await page.waitForURL(/#\/runs\//);
    await page.locator('li.job[data-job="fetch"][data-status="running"]').waitFor();
    await shot(page, "2-running");
    await page.locator('[data-testid="run-status"]', { hasText: "completed" }).waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { doneOrder: string[] }).doneOrder)).toEqual([
      "fetch",
      "shape",
      "compose",
    ]);
    const output = page.getByTestId("output");
    await hasText(output, '"hello Ada"');
    await hasText(output, "3");
    await page.locator('li.job[data-job="fetch"] summary').click();
    await hasText(page.getByTestId("log-fetch"), "fetching part 3");
    await shot(page, "3-completed");
    // The form remembers the last input.
    await page.goto(`${c.url}/#/workflows/greet`);
    await hasValue(page.getByLabel(/^name/), "Ada");
    expect(problems).toEqual([]);
  }, 60_000);

  test("a failing workflow shows the failing job and its error", async () => {
    const problems: string[] = [];
    const page = await newPage(problems);
    await page.goto(`${c.url}/#/workflows/broken`);
    await page.getByRole("button", { name: "Run" }).click();
    const error = page.getByTestId("run-error");
    await error.waitFor({ timeout: 30_000 });
    await hasText(error, "failed in job explode");
    await hasText(error, 'job "explode" failed: command exited with code 3: boom');
    await hasAttribute(page.locator('li.job[data-job="explode"]'), "data-status", "failed");
    await hasAttribute(page.locator('li.job[data-job="never"]'), "data-status", "cancelled");
    await shot(page, "4-failed");
    expect(problems).toEqual([]);
  }, 60_000);

  test("a long run is cancelled from the page, and can be retried", async () => {
    const problems: string[] = [];
    const page = await newPage(problems);
    await page.goto(`${c.url}/#/workflows/long`);
    await page.getByRole("button", { name: "Run" }).click();
    await page.locator('li.job[data-job="wait"][data-status="running"]').waitFor({ timeout: 30_000 });
    const url = page.url();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.locator('[data-testid="run-status"]', { hasText: "cancelled" }).waitFor({ timeout: 30_000 });
    await hasText(page.getByTestId("run-error"), "cancelled by request");
    await shot(page, "5-cancelled");
    const taskId = url.split("/").pop()!;
    const task = (await (await fetch(`${c.url}/api/tasks/${taskId}`)).json()) as { status: string };
    expect(task.status).toBe("cancelled");
    // Retry starts a new run of the same workflow.
    await page.getByRole("button", { name: "Retry" }).click();
    await page.waitForURL((u) => u.hash.startsWith("#/runs/") && !u.hash.endsWith(taskId));
    // …through POST /tasks/{id}/retry: the controller links the new run to the old one.
    const retried = page.url().split("/").pop()!;
    const record = (await (await fetch(`${c.url}/api/tasks/${retried}`)).json()) as { retry_of?: string };
    expect(record.retry_of).toBe(taskId);
    await page.locator('li.job[data-job="wait"][data-status="running"]').waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.locator('[data-testid="run-status"]', { hasText: "cancelled" }).waitFor({ timeout: 30_000 });
    expect(problems).toEqual([]);
  }, 60_000);

  test("run history: filters by workflow and status, links to each run", async () => {
    const problems: string[] = [];
    const page = await newPage(problems);
    await page.goto(`${c.url}/#/runs`);
    await page.locator(".history tbody tr").first().waitFor({ timeout: 30_000 });
    await page.getByLabel("filter by workflow").selectOption("broken");
    await hasCount(page.locator(".history tbody tr"), 1);
    await page.getByLabel("filter by workflow").selectOption("");
    await page.getByLabel("filter by status").selectOption("cancelled");
    await hasCount(page.locator(".history tbody tr[data-status=cancelled]"), 2);
    await shot(page, "6-history");
    await page.locator(".history tbody a").first().click();
    await page.locator('[data-testid="run-status"]', { hasText: "cancelled" }).waitFor();
    expect(problems).toEqual([]);
  }, 60_000);

  test("readable at phone width, and in dark mode", async () => {
    const page = await newPage([]);
    await page.setViewportSize({ width: 390, height: 800 });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${c.url}/#/workflows/greet`);
    await page.locator("form.run-form").waitFor();
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(21, 23, 27)");
    await shot(page, "7-phone-dark");
    // Keyboard: tab to the name field, type, submit with Enter.
    await page.getByLabel(/^name/).fill("");
    await page.getByLabel(/^name/).focus();
    await page.keyboard.type("Kay");
    await page.keyboard.press("Enter");
    await page.locator('[data-testid="run-status"]', { hasText: "completed" }).waitFor({ timeout: 30_000 });
    await hasText(page.getByTestId("output"), '"hello Kay"');
    await shot(page, "8-phone-dark-run");
  }, 60_000);
});

describe("with API keys on", () => {
  test("the page asks for a key, shows nothing without one, then works with it", async () => {
    const c = await controllerWith({ auth: { api_keys: ["s3cret-key"] } });
    const problems: string[] = [];
    const page = await newPage(problems);
    await page.goto(`${c.url}/`);
    await page.getByLabel("key").waitFor();
    await hasCount(page.locator("nav"), 0);
    await shot(page, "9-api-key");
    await page.getByLabel("key").fill("wrong");
    await page.getByRole("button", { name: "Use key" }).click();
    await page.getByLabel("key").waitFor();
    await page.getByLabel("key").fill("s3cret-key");
    await page.getByRole("button", { name: "Use key" }).click();
    await hasCount(page.locator("nav .workflows li"), 3);
    expect(await page.evaluate(() => sessionStorage.getItem("model-compose.api-key"))).toBe("s3cret-key");
    await page.getByLabel(/^name/).fill("Bo");
    await page.getByRole("button", { name: "Run" }).click();
    await page.locator('[data-testid="run-status"]', { hasText: "completed" }).waitFor({ timeout: 30_000 });
    await hasText(page.getByTestId("output"), '"hello Bo"');
    // The 401s of the wrong key are the only console errors.
    expect(problems.every((p) => p.includes("401"))).toBe(true);
  }, 60_000);
});

describe("a run of many jobs", () => {
  test("every job's row turns done as its events come, and each keeps its own log", async () => {
    const jobs = 150;
    const c = await controllerWith({}, [
      {
        id: "many",
        jobs: Array.from({ length: jobs }, (_, i) => ({
          id: `step-${i}`,
          component: "shell",
          command: `echo step ${i} of ${jobs}`,
        })),
      },
    ]);
    const problems: string[] = [];
    const page = await newPage(problems);
    await page.goto(`${c.url}/#/workflows/many`);
    await page.getByRole("button", { name: "Run" }).click();
    await page.waitForURL(/#\/runs\//);
    await page.locator('[data-testid="run-status"]', { hasText: "completed" }).waitFor({ timeout: 60_000 });
    await hasCount(page.locator("li.job"), jobs);
    await hasCount(page.locator('li.job[data-status="completed"]'), jobs);
    // Rows far down the list (drawn only when scrolled to) open on their own log.
    for (const i of [0, 77, jobs - 1]) {
      await page.locator(`li.job[data-job="step-${i}"] summary`).click();
      await hasText(page.getByTestId(`log-step-${i}`), `step ${i} of ${jobs}`);
    }
    await shot(page, "10-many-jobs");
    expect(problems).toEqual([]);
  }, 90_000);
});
