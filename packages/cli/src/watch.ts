/**
 * Watching a project's inputs for `sdx build --watch` and `sdx dev`: chokidar over `src/`,
 * `kernels/`, `prompts/`, `assets/`, `ui_manifest.json`, `tsconfig.json` and `package.json`.
 *
 * Editors save in two ways: in place, or by writing a temporary file and renaming it over the
 * source (vim, JetBrains, many formatters). chokidar follows both (its `atomic` mode turns an
 * unlink followed by an add into a change), and a directory that is itself replaced is watched
 * again. Events arriving together are coalesced into one rebuild; events during a rebuild start
 * one more rebuild after it, so the last save is always built. The builder re-checks every source
 * against the disk on each rebuild (CodegenSession.update), so an event naming the wrong path (a
 * temp file) never leaves stale code behind.
 */
import { basename, relative, sep } from "node:path";
import chokidar from "chokidar";

export const WATCHED = ["src", "kernels", "prompts", "assets", "ui_manifest.json", "tsconfig.json", "package.json"];

/** Editor droppings: swap, backup and temporary files. */
const TEMPORARY = /(^\.#|^#.*#$|~$|\.swp$|\.swx$|\.tmp$|\.temp$|\.bak$|___jb_(tmp|old)___$|^\.\w.*\.sw.$)/;

/** How long events are gathered into one rebuild (a save by rename is two or three events). */
const SETTLE_MS = 60;

export interface ProjectWatcher {
  /** Resolves once the initial scan is done: saves from then on are seen. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Calls `rebuild` with the paths that changed, never twice at once; resolves `ready` when watching.
 * `onError` receives what `rebuild` threw (the watcher goes on).
 */
export function watchProject(projectDir: string, rebuild: (changed: string[]) => Promise<void>, onError: (error: unknown) => void): ProjectWatcher {
  // The project directory itself, pruned to the inputs: creating kernels/ later is seen, and
  // chokidar 4 reports `ready` before it watches anything when given a path that does not exist.
  const watcher = chokidar.watch(projectDir, {
    ignoreInitial: true,
    atomic: true,
    ignored: (path) => {
      const rel = relative(projectDir, path);
      if (rel === "") return false;
      return !WATCHED.includes(rel.split(sep)[0]!) || TEMPORARY.test(basename(path)) || rel.split(sep).includes("node_modules");
    },
  });
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let closed = false;

  const run = (): void => {
    if (closed || running || pending.size === 0) return;
    const changed = [...pending];
    pending.clear();
    running = rebuild(changed)
      .catch(onError)
      .finally(() => {
        running = null;
        run(); // saves made during the rebuild
      });
  };
  watcher.on("all", (_event, path) => {
    pending.add(path);
    clearTimeout(timer);
    timer = setTimeout(run, SETTLE_MS);
  });
  watcher.on("error", onError);
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  return {
    ready,
    async close() {
      closed = true;
      clearTimeout(timer);
      await watcher.close();
      await running;
    },
  };
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C ends a watch cleanly). */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}
