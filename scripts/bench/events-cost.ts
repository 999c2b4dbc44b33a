/**
 * What following runs costs: runs/s of a controller (in this process, on 127.0.0.1) for
 * a three-job logger workflow (11 events a run), with no subscriber, with each run
 * streamed in its own request (`"stream": true`), and with each run waited for while a
 * second connection follows its GET …/events. `bun scripts/bench/events-cost.ts [seconds]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadProject } from "../../mod.ts";
import { startController } from "../../runtime/controller/server.ts";
import { silentLogger } from "../../runtime/log.ts";

const seconds = Number(process.argv[2] ?? 5);
const CONCURRENCY = 16;
const dir = mkdtempSync(path.join(tmpdir(), "mc-events-bench-"));
writeFileSync(
  path.join(dir, "model-compose.yml"),
  [
    "controller: { port: 0 }",
    "workflow:",
    "  jobs:",
    "    - { id: a, component: logger, input: { message: one } }",
    "    - { id: b, component: logger, input: { message: two } }",
    "    - { id: c, component: logger, input: { message: three } }",
    "",
  ].join("\n"),
);
const project = await loadProject({ cwd: dir, processEnv: {} });
const c = await startController(project, { logger: silentLogger() });
const api = `${c.url}/api`;
const post = (body: unknown) =>
  fetch(`${api}/workflows/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

const modes: Record<string, () => Promise<void>> = {
  "no subscriber (wait_for_completion)": async () => {
    await (await post({})).text();
  },
  'streamed in the same request ("stream": true)': async () => {
    await (await post({ stream: true })).text();
  },
  "a second connection follows GET …/events": async () => {
    const started = (await (await post({ wait_for_completion: false })).json()) as { task_id: string };
    await (await fetch(`${api}/tasks/${started.task_id}/events`)).text();
  },
};

async function measure(run: () => Promise<void>): Promise<number> {
  let count = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await run();
        count++;
      }
    }),
  );
  return count / seconds;
}

console.log(`| how a run is followed | runs/s (${CONCURRENCY} clients, ${seconds} s) |`);
console.log("|---|---|");
for (const [name, run] of Object.entries(modes)) {
  for (let i = 0; i < 50; i++) await run(); // warm-up
  console.log(`| ${name} | ${(await measure(run)).toFixed(0)} |`);
}
await c.shutdown(0);
rmSync(dir, { recursive: true, force: true });
