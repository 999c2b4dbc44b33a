/**
 * Docker runtime options of the wrong shape or unit are load errors: `config` (and
 * `up`, before any daemon is contacted) exits 2 and names the file, line and column,
 * the option's path, and what was expected.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { mcFromSource, show } from "./helpers.ts";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "mc-e2e-load-"));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A compose file whose runtime has `option` on line 6 (column 5). */
function composeWith(option: string): string {
  return `controller:
  type: http-server
  port: 8080
  runtime:
    type: docker
    ${option}
workflow:
  component:
    type: shell
    command: ["echo", "hi"]
`;
}

const CASES: Array<[string, string, string, RegExp]> = [
  ["mem_limit: 2x", "mem_limit", "6:16", /expected a size like 512m or 2g.*"2x"/],
  [
    "restart: sometimes",
    "restart",
    "6:14",
    /expected one of "no", "always", "on-failure", "unless-stopped" or "on-failure:N".*"sometimes"/,
  ],
  ['ports: ["abc"]', "ports[0]", "6:13", /expected a port like "5000:8080".*"abc"/],
  ["mem: 1g", "mem", "6:5", /unknown key "mem"; did you mean "mem_limit"\?/],
];

describe("wrong shapes and units in the docker runtime options", () => {
  for (const [option, keyPath, lineCol, message] of CASES) {
    test(`${option}: exit 2, file:line:col, controller.runtime.${keyPath}`, async () => {
      const file = path.join(dir, `${keyPath.replace(/\W/g, "_")}.yml`);
      writeFileSync(file, composeWith(option));
      for (const command of [["config"], ["up", "-d"]]) {
        // DOCKER_HOST points nowhere: the error must come before the daemon is asked.
        const r = await mcFromSource(["-f", file, ...command], {
          cwd: dir,
          env: { DOCKER_HOST: "unix:///tmp/nope.sock" },
          timeoutMs: 30_000,
        });
        expect(r.code, show(r)).toBe(2);
        const lines = r.stderr.trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toStartWith(`error: ${file}:${lineCol}: controller.runtime.${keyPath}: `);
        expect(lines[0]).toMatch(message);
        expect(r.stderr).not.toContain("Docker daemon");
        expect(r.stdout).toBe("");
      }
    });
  }
});
