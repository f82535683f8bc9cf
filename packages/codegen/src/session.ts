/**
 * A codegen session that keeps the TypeScript project between runs (watch mode, the warm build):
 * `update(changedFiles)` re-reads those files from disk and lets TypeScript reuse the rest of the
 * program. A change to tsconfig.json or package.json rebuilds the project.
 *
 * It also compares every other file of the author with the disk (a read, no parse when unchanged):
 * a watcher can name the wrong path (an editor's temporary file renamed over the source) or drop
 * an event, and a build must never report success with code older than what is on disk.
 */
import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { createProjectSetup, type ProjectOptions, type ProjectSetup, isExcludedFile } from "./program/project.js";
import { startPipeline, type GenerateResult, type PipelineCaches, type PipelineRun } from "./pipeline.js";
import { ReachCache } from "./analyze/reach-cache.js";

export type GenerateOptions = ProjectOptions;

export class CodegenSession {
  private setup: ProjectSetup;
  private caches: PipelineCaches = { reach: new ReachCache() };

  constructor(private readonly options: GenerateOptions) {
    this.setup = createProjectSetup(options);
  }

  generate(): GenerateResult {
    return this.start().finish();
  }

  /** `generate()` in two steps: the artifacts first, then the checks (see `PipelineRun`). */
  start(): PipelineRun {
    return startPipeline(this.setup, this.caches);
  }

  /** Re-reads `changedFiles` (absolute or relative to the project) and regenerates. */
  update(changedFiles: string[]): GenerateResult {
    return this.startUpdate(changedFiles).finish();
  }

  /** `update()` in two steps, like `start()`. */
  startUpdate(changedFiles: string[]): PipelineRun {
    const projectDir = this.setup.projectDir;
    const files = changedFiles.map((f) => resolve(projectDir, f));
    const configChanged = files.some((f) => ["tsconfig.json", "package.json"].includes(basename(f)) && resolve(f, "..") === projectDir);
    if (configChanged || !this.setup.entryFile) {
      this.setup = createProjectSetup(this.options);
      this.caches = { reach: new ReachCache() };
      return this.start();
    }
    const project = this.setup.project;
    const sources = files.filter((f) => /\.(c|m)?tsx?$/.test(f) && !isExcludedFile(projectDir, f));
    const known = project.program();
    for (const file of sources) {
      // A new file becomes part of the project, a deleted one leaves it (as a root; an import still reaches it).
      if (!existsSync(file)) project.removeRoot(file);
      else if (!project.hasRoot(file) && !known.getSourceFile(file)) project.addRoot(file);
    }
    const named = new Set(sources);
    const missed = project.changedOnDisk((file) => !named.has(file) && !isExcludedFile(projectDir, file));
    project.refresh([...sources, ...missed]);
    return this.start();
  }
}
