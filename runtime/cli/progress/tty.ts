/**
 * `--progress tty`: the job list redrawn in place on stderr (log-update), a spinner and
 * the elapsed time on running jobs; the final list stays on screen when the run ends.
 * Loaded only when stderr is a terminal: log-update and its helpers cost start-up time.
 */

/** cli-spinners' "dots", as frames and interval. */
import spinners from "cli-spinners";
import { createLogUpdate } from "log-update";
import type { RunEvent } from "../../workflow/events.ts";
import { JobList, renderJobList } from "./job-list.ts";

export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): {
  onEvent(event: RunEvent): void;
  stop(): void;
} {
  const list = new JobList();
  const update = createLogUpdate(stream, { showCursor: false });
  const { frames, interval } = spinners.dots;
  const color = !process.env.NO_COLOR && stream.hasColors?.() !== false;
  let frame = 0;
  const draw = () =>
    update(
      renderJobList(list, {
        now: Date.now(),
        spinner: frames[frame++ % frames.length],
        color,
        width: stream.columns || 80,
      }),
    );
  const timer = setInterval(draw, interval);
  // The display must not keep a finished run's process alive.
  timer.unref?.();
  return {
    onEvent(event) {
      list.apply(event);
      if (event.type !== "log") draw();
    },
    stop() {
      clearInterval(timer);
      if (list.rows.length) draw();
      update.done();
    },
  };
}
