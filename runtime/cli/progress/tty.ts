/**
 * `--progress tty`: the job list redrawn in place on stderr (log-update), a spinner and
 * the elapsed time on running jobs; the final list stays on screen when the run ends.
 * Loaded only when stderr is a terminal: log-update and its helpers cost start-up time.
 *
 * Drawn at the spinner's pace, not at each event, and within the terminal's height:
 * drawing the whole list at each job's start and end made `run` of a 1000-job workflow
 * take two minutes on a terminal, against 0.12 s without the display.
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
        // A line kept free: a frame as tall as the terminal would scroll it by one.
        height: Math.max(2, (stream.rows || 24) - 1),
      }),
    );
  const timer = setInterval(draw, interval);
  // The display must not keep a finished run's process alive.
  timer.unref?.();
  return {
    onEvent(event) {
      list.apply(event);
    },
    stop() {
      clearInterval(timer);
      if (list.rows.length) draw();
      update.done();
    },
  };
}
