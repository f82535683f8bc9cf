/**
 * The CLI's progress bar (cli-progress) on stderr, only on a terminal and never with `--json`, so
 * stdout stays parseable. `update` takes the host's progress reports as they come.
 */
import { SingleBar } from "cli-progress";

export interface Progress {
  update(progress: { done: number; total: number; message?: string }): void;
  stop(): void;
}

export function progressBar(label: string, json: boolean): Progress {
  if (json || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} {message}`, hideCursor: true, clearOnComplete: true });
  let started = false;
  return {
    update({ done, total, message }) {
      if (!started) {
        bar.start(total, done, { message: message ?? "" });
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, { message: message ?? "" });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
