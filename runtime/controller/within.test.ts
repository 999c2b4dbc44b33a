import { expect, test } from "bun:test";
import * as path from "node:path";
import { within } from "./within.ts";

test("true as soon as the promise settles, resolved or rejected", async () => {
  const t0 = performance.now();
  expect(await within(Promise.resolve(1), 5000)).toBe(true);
  expect(await within(Promise.reject(new Error("no")), 5000)).toBe(true);
  expect(await within(new Promise((resolve) => setTimeout(resolve, 20)), 5000)).toBe(true);
  expect(performance.now() - t0).toBeLessThan(1000);
});

test("false once the bound has passed and the promise has not settled", async () => {
  const t0 = performance.now();
  expect(await within(new Promise(() => {}), 50)).toBe(false);
  expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
});

test("leaves no timer behind: a process that waited this way exits at once", async () => {
  const script = `import { within } from ${JSON.stringify(path.join(import.meta.dir, "within.ts"))};
await within(Promise.resolve(), 20_000);
console.log("done");`;
  const t0 = performance.now();
  const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  expect(await proc.exited).toBe(0);
  expect(await new Response(proc.stdout).text()).toBe("done\n");
  // Far below the 20 s the timer would hold it.
  expect(performance.now() - t0).toBeLessThan(10_000);
});
