/**
 * The native controller's footprint in a project: `.model-compose/controller.json`
 * (pid, address, log file) while it runs, `.model-compose/controller.log` for `up -d`,
 * and `.stop`, the file `down` creates to ask it to stop. A crash leaves stale files
 * behind; they are recognised (the pid is gone) and cleaned, never blocking `up`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../errors.ts";

export interface ControllerState {
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
    this.dir = path.join(projectDir, ".model-compose");
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

  /** The running controller's state, or undefined (stale files are removed). */
  running(): ControllerState | undefined {
    const state = this.read();
    if (state && isAlive(state.pid)) return state;
    if (state) rmSync(this.stateFile, { force: true });
    return undefined;
  }

  /** Refuses a second controller for the project while one runs (other than `self`). */
  refuseIfRunning(self?: number): void {
    const running = this.running();
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

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The address clients on this host use to reach a server bound to `host`. */
export function clientHost(host: string): string {
  return host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host;
}
