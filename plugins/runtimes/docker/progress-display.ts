/**
 * What `up` shows while the docker runtime pulls or builds an image. On a terminal
 * (stderr a TTY, TERM not `dumb`), one display redrawn in place (log-update, loaded only
 * then): the step with its elapsed time, one line per layer for a pull (its latest
 * status), the last lines of output for a build; when the step ends the display gives
 * way to one summary line, and after a failure the last output lines stay on screen.
 * Elsewhere (a log file, CI, a pipe) every line is written as it comes, as before.
 */

export interface StepProgress {
  /** One progress line from the daemon: `3f4ca61aafcd: Pull complete`, a build output line. */
  line(text: string): void;
  /** Ends the display; `summary` is printed in its place. */
  end(ok: boolean, summary?: string): void;
}

/** Build output lines kept on screen (and after a failure). */
const TAIL_LINES = 8;
const LAYER_LINE = /^([0-9a-f]{12}): (.*)$/;

/** What the display holds: the layers of a pull (in the order seen) and the last output lines. */
export class StepState {
  readonly layers = new Map<string, string>();
  readonly tail: string[] = [];

  constructor(
    readonly title: string,
    readonly startedAt: number,
  ) {}

  add(text: string): void {
    const layer = LAYER_LINE.exec(text);
    if (layer) {
      this.layers.set(layer[1], layer[2]);
      return;
    }
    this.tail.push(text);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }
}

/** The display's text at `now`, each line cut to `width` columns. */
export function renderStep(state: StepState, now: number, width: number): string {
  const seconds = ((now - state.startedAt) / 1000).toFixed(1);
  const lines = [`${state.title} (${seconds}s)`];
  for (const [id, status] of state.layers) lines.push(`  ${id}: ${status}`);
  for (const line of state.tail) lines.push(`  ${line}`);
  return lines.map((l) => (l.length > width ? `${l.slice(0, Math.max(1, width - 1))}…` : l)).join("\n");
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function plainStep(title: string): StepProgress {
  say(title);
  return {
    line: (text) => say(`  ${text}`),
    end: (_ok, summary) => {
      if (summary) say(summary);
    },
  };
}

/** Starts showing one step (`pulling IMAGE`, `building TAG from DIR`) on stderr. */
export async function startStep(
  title: string,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<StepProgress> {
  if (!stream.isTTY || process.env.TERM === "dumb") return plainStep(title);
  const { createLogUpdate } = await import("log-update");
  const update = createLogUpdate(stream, { showCursor: false });
  const state = new StepState(title, Date.now());
  const draw = () => update(renderStep(state, Date.now(), stream.columns || 80));
  draw();
  // The elapsed time moves while the daemon is quiet (a long layer download, a RUN step).
  const timer = setInterval(draw, 200);
  timer.unref?.();
  return {
    line(text) {
      state.add(text);
      draw();
    },
    end(ok, summary) {
      clearInterval(timer);
      update.clear();
      update.done();
      if (!ok) for (const line of state.tail) stream.write(`  ${line}\n`);
      if (summary) stream.write(`${summary}\n`);
    },
  };
}
