/**
 * The CLI's progress bar (cli-progress) on stderr, only on a terminal and never with `--json`, so
 * stdout stays parseable. `update` takes the host's progress reports as they come; `log` prints a
 * line above the bar (the bar is cleared, the line written, the bar drawn again) so an extension's
 * log lines never land on the bar.
 */
import { createRequire } from "node:module";
import { clearLine, cursorTo } from "node:readline";
import type { SingleBar as Bar } from "cli-progress";

export interface Progress {
  update(progress: { done: number; total: number; message?: string }): void;
  /** Writes one line to stderr above the bar. */
  log(line: string): void;
  stop(): void;
}

const plainLog = (line: string) => void process.stderr.write(`${line}\n`);

export function progressBar(label: string, json: boolean): Progress {
  if (json || !process.stderr.isTTY) return { update() {}, log: plainLog, stop() {} };
  // Loaded only for a terminal: piped and --json runs (CI, scripts) skip its ~30 ms of modules.
  const { SingleBar } = createRequire(import.meta.url)("cli-progress") as { SingleBar: typeof Bar };
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
    log(line) {
      if (!started) return plainLog(line);
      cursorTo(process.stderr, 0);
      clearLine(process.stderr, 0);
      plainLog(line);
      (bar as unknown as { render(force?: boolean): void }).render(true);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
