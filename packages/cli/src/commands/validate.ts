/**
 * `sdx validate <bundle|manifest.json|dir>`: integrity, signature and manifest of a bundle, a bare
 * manifest (what a store ingests), or a full check build of a project. A bundle or manifest that
 * fails is reported as data, not as an error: every issue with a JSON pointer into the manifest
 * (`""` for the bundle as a whole), its code and message, and exit 1.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pc from "picocolors";
import { buildExtension } from "@sdx/bundle";
import { parseManifest } from "@sdx/sdk/manifest";
import { PROTOCOL_VERSION } from "@sdx/sdk/protocol";
import { UserError } from "../errors.js";
import { formatBytes, type CommandResult } from "../output.js";
import { loadBundleFile } from "./load-bundle.js";
import { renderBuild, summarize } from "./build.js";

/** One problem found, located by a JSON pointer into the manifest. */
export interface ValidationIssue {
  pointer: string;
  code: string;
  message: string;
}

interface Checked {
  kind: "bundle" | "manifest";
  ok: boolean;
  id: string | null;
  version: string | null;
  issues: ValidationIssue[];
}

function renderIssues(target: string, issues: ValidationIssue[]): string {
  return [
    `${pc.red("✘")} ${target}: ${issues.length} issue${issues.length === 1 ? "" : "s"}`,
    ...issues.map((i) => `  ${pc.bold(i.pointer || "(root)")} ${pc.dim(i.code)} ${i.message}`),
  ].join("\n");
}

/** Issues carried by an SdxError of the bundle format (SDX2006/2011 list them), or the error as one issue. */
function issuesOf(error: unknown): ValidationIssue[] | null {
  const e = error as { code?: unknown; message?: string; data?: { issues?: Array<{ pointer: string; code: string; message: string }> } };
  if (typeof e?.code !== "string" || !/^SDX2\d{3}$/.test(e.code)) return null;
  const listed = e.data?.issues;
  if (Array.isArray(listed) && listed.length > 0) return listed.map((i) => ({ pointer: i.pointer, code: i.code, message: i.message }));
  return [{ pointer: "", code: e.code, message: e.message ?? String(error) }];
}

function validateManifestFile(path: string): CommandResult<Checked> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const issues = [{ pointer: "", code: "SDX2006", message: `not valid JSON: ${(error as Error).message}` }];
    return { data: { kind: "manifest", ok: false, id: null, version: null, issues }, human: renderIssues(path, issues), exitCode: 1 };
  }
  const parsed = parseManifest(value);
  const issues: ValidationIssue[] = parsed.ok ? [] : parsed.issues.map((i) => ({ pointer: i.pointer, code: i.code, message: i.message }));
  if (parsed.ok && parsed.manifest.protocolVersion !== PROTOCOL_VERSION) {
    issues.push({ pointer: "/protocolVersion", code: "SDX2009", message: `built for protocol ${parsed.manifest.protocolVersion}; this sdx speaks ${PROTOCOL_VERSION}` });
  }
  const m = parsed.ok ? parsed.manifest : null;
  const data: Checked = { kind: "manifest", ok: issues.length === 0, id: m?.id ?? null, version: m?.version ?? null, issues };
  if (!data.ok) return { data, human: renderIssues(path, issues), exitCode: 1 };
  return { data, human: `${pc.green("✔")} ${m!.id}@${m!.version}: manifest valid (manifest version ${m!.manifestVersion})` };
}

async function validateBundle(path: string): Promise<CommandResult<unknown>> {
  let bundle;
  try {
    bundle = await loadBundleFile(path);
  } catch (error) {
    const issues = issuesOf(error);
    if (!issues) throw error;
    const data: Checked & { signedBy: null } = { kind: "bundle", ok: false, id: null, version: null, issues, signedBy: null };
    return { data, human: renderIssues(path, issues), exitCode: 1 };
  }
  const m = bundle.manifest;
  const signedBy = bundle.signature?.fingerprint ?? null;
  return {
    data: { kind: "bundle", ok: true, id: m.id, version: m.version, issues: [], size: bundle.size, hash: bundle.hash, sections: bundle.sections.length, signedBy },
    human: `${pc.green("✔")} ${m.id}@${m.version}: integrity and manifest valid, ${signedBy ? `signature valid (key ${signedBy})` : pc.yellow("unsigned")} (${formatBytes(bundle.size)}, blake3 ${bundle.hash.slice(0, 16)}…)`,
  };
}

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
  void options;
  return looksLikeManifest(path) ? validateManifestFile(path) : validateBundle(path);
}

/** A `.json` file, or a file that is not WebAssembly but starts like JSON; the rest is checked as a bundle (SDX2004 if it is none). */
function looksLikeManifest(path: string): boolean {
  if (path.endsWith(".json")) return true;
  const head = Buffer.alloc(64);
  const fd = openSync(path, "r");
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (read >= 4 && head.subarray(0, 4).equals(Buffer.from([0x00, 0x61, 0x73, 0x6d]))) return false;
  return /^\s*\{/.test(head.subarray(0, read).toString("latin1"));
}
