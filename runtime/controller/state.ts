/**
 * The native controller's footprint in a project: `.model-compose/controller.json` (the state directory, runtime/state-dir.ts)
 * (pid, address, log file) while it runs, `.model-compose/controller.log` for `up -d`,
 * and `.stop`, the file `down` creates to ask it to stop. A crash leaves stale files
 * behind; they are recognised (the pid is gone, a zombie, or now another process's:
 * process-identity.ts) and cleaned, never blocking `up`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../errors.ts";
import { stateDirectory } from "../state-dir.ts";
import { clientHost, identify, isAlive, type RecordedIdentity } from "./process-identity.ts";

export interface ControllerState extends RecordedIdentity {
  pid: number;
  host: string;
  port: number;
  base_path: string;
  started_at: string;
  log?: string;
}

export class ProjectState {
  readonly dir: string;
  readonly stateFile: string;
  readonly logFile: string;
  readonly stopFile: string;

  constructor(readonly projectDir: string) {
    this.dir = stateDirectory(projectDir);
    this.stateFile = path.join(this.dir, "controller.json");
    this.logFile = path.join(this.dir, "controller.log");
    this.stopFile = path.join(projectDir, ".stop");
  }

  read(): ControllerState | undefined {
    try {
      return JSON.parse(readFileSync(this.stateFile, "utf8")) as ControllerState;
    } catch {
      return undefined;
    }
  }

  /**
   * The running controller's state, verified to be that controller, or undefined. A
   * stale file (its pid gone, a zombie, or reused by another process) is removed.
   */
  async running(): Promise<ControllerState | undefined> {
    const state = this.read();
    if (!state) return undefined;
    const identity = typeof state.pid === "number" ? await identify(state) : "gone";
    if (identity === "ours") return state;
    this.stale =
      identity === "gone"
        ? `pid ${state.pid} has exited`
        : `pid ${state.pid} now belongs to another process, which was left alone`;
    rmSync(this.stateFile, { force: true });
    return undefined;
  }

  /** Why the last running() found the state file stale, for messages. */
  stale?: string;

  /** Refuses a second controller for the project while one runs (other than `self`). */
  async refuseIfRunning(self?: number): Promise<void> {
    const running = await this.running();
    if (running && running.pid !== self) {
      throw new ConfigError(
        `a controller is already running for this project (pid ${running.pid}, http://${running.host}:${running.port}); stop it with \`model-compose down\`, or replace it with \`model-compose up --force-recreate\``,
      );
    }
  }

  write(state: ControllerState): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, this.stateFile);
  }

  clear(pid: number): void {
    if (this.read()?.pid === pid) rmSync(this.stateFile, { force: true });
  }

  requestStop(): void {
    writeFileSync(this.stopFile, `${new Date().toISOString()}\n`);
  }

  stopRequested(): boolean {
    return existsSync(this.stopFile);
  }

  clearStop(): void {
    try {
      rmSync(this.stopFile, { force: true });
    } catch {
      // Read-only project directory: there is no stop file to clear either.
    }
  }
}

export { clientHost, isAlive };
