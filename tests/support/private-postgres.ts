/**
 * A PostgreSQL cluster of a test's own (initdb + pg_ctl, as the `postgres` user when
 * the tests run as root), on a free port in a temporary directory: a test may stop and
 * start it without touching the shared server.
 */
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { freePort } from "./net.ts";

const BIN = process.env.MC_TEST_PG_BIN ?? "/usr/lib/postgresql/15/bin";

function uidOf(user: string): number | undefined {
  const r = Bun.spawnSync(["id", "-u", user]);
  return r.exitCode === 0 ? Number(r.stdout.toString().trim()) : undefined;
}

export class PrivatePostgres {
  readonly port = freePort();
  readonly dir = mkdtempSync(path.join(tmpdir(), "mc-private-pg-"));
  readonly data = path.join(this.dir, "data");
  private readonly asUser = process.getuid?.() === 0 ? "postgres" : undefined;

  get url(): string {
    return `postgres://mc@127.0.0.1:${this.port}/postgres`;
  }

  private run(args: string[]): void {
    const cmd = this.asUser ? ["runuser", "-u", this.asUser, "--", ...args] : args;
    const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0)
      throw new Error(`${args.join(" ")} failed: ${r.stderr.toString()}${r.stdout.toString()}`);
  }

  init(): this {
    if (this.asUser) {
      const uid = uidOf(this.asUser)!;
      chownSync(this.dir, uid, uid);
      chmodSync(this.dir, 0o700);
    }
    this.run([`${BIN}/initdb`, "-D", this.data, "-U", "mc", "--auth=trust", "-E", "UTF8"]);
    return this;
  }

  start(): void {
    this.run([
      `${BIN}/pg_ctl`,
      "-D",
      this.data,
      "-w",
      "-l",
      path.join(this.dir, "log"),
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
      "start",
    ]);
  }

  stop(): void {
    this.run([`${BIN}/pg_ctl`, "-D", this.data, "-w", "-m", "fast", "stop"]);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {}
    rmSync(this.dir, { recursive: true, force: true });
  }
}
