/** `sdx validate <bundle|dir>`: integrity + manifest schema of a bundle, or a full check build of a project. */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pc from "picocolors";
import { buildExtension } from "@sdx/bundle";
import { UserError } from "../errors.js";
import { formatBytes, type CommandResult } from "../output.js";
import { loadBundleFile } from "./load-bundle.js";
import { renderBuild, summarize } from "./build.js";

export async function validate(target: string, options: { json: boolean }): Promise<CommandResult<unknown>> {
  const path = resolve(target);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new UserError(`no such file or directory: ${path}`);
  }
  if (isDir) {
    // A project is validated by building it into a scratch directory: the same checks as `sdx build`.
    const scratch = mkdtempSync(join(tmpdir(), "sdx-validate-"));
    try {
      const start = performance.now();
      const result = await buildExtension({ projectDir: path, outDir: scratch });
      return { data: { kind: "project", ...summarize(result, path), bundlePath: null }, human: renderBuild(result, path, performance.now() - start).replace(/built .*? \(/, "valid ("), exitCode: result.ok ? 0 : 1 };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const bundle = await loadBundleFile(path);
  void options;
  return {
    data: { kind: "bundle", ok: true, id: bundle.manifest.id, version: bundle.manifest.version, size: bundle.size, hash: bundle.hash, sections: bundle.sections.length },
    human: `${pc.green("✔")} ${bundle.manifest.id}@${bundle.manifest.version}: integrity and manifest valid (${formatBytes(bundle.size)}, blake3 ${bundle.hash.slice(0, 16)}…)`,
  };
}
