/**
 * @module @sdx/codegen
 *
 * The author's TypeScript → a typed IR of every decorated thing → generated artifacts:
 * `manifest.json`, `schema.sql`, `bindings.ts` and `entry.ts` (the esbuild entry point).
 * Problems are returned as located diagnostics with stable SDX1xxx codes, never thrown.
 *
 * @example
 * ```ts
 * const result = generate({ projectDir: "." });
 * if (!result.ok) { console.error(renderDiagnostics(result.diagnostics, { color: true })); process.exit(1); }
 * writeArtifacts(".", result.artifacts!);
 * ```
 * @see packages/codegen/README.md
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { GeneratedArtifacts, GenerateResult, PipelineRun } from "./pipeline.js";
import { CodegenSession, type GenerateOptions } from "./session.js";
import { GENERATED_DIR } from "./emit/imports.js";

export { CodegenSession };
export { renderDiagnostics, diagnosticsToJson, positionOf } from "./diagnostics/render.js";
export { hasErrors, sortDiagnostics } from "./diagnostics/diagnostic.js";
export { WARNINGS } from "./diagnostics/warnings.js";
export { IR_VERSION } from "./ir/ir.js";
export { DEFAULT_TSCONFIG } from "./program/project.js";
export { sdkKernelsDir } from "./program/sdk-location.js";
export type { GenerateOptions, GeneratedArtifacts, GenerateResult, PipelineRun };
export type { Diagnostic, DiagnosticNote, Severity, Span } from "./diagnostics/diagnostic.js";
export type { JsonDiagnostic, RenderOptions } from "./diagnostics/render.js";
export type { WarningId } from "./diagnostics/warnings.js";
export type {
  ExtensionIR, ModelIR, ModelFieldIR, BlobFieldIR, JobIR, TaskIR, ActionIR, AgentIR, HookIR, MemoryIR, MemoryFieldIR,
  SettingsIR, SettingFieldIR, ParamIR, PermissionIR, ExtensionInfoIR, ClassRef, JsonSchema, JsonValue,
} from "./ir/ir.js";

/**
 * Runs the codegen once over the project at `options.projectDir`.
 * @param options.entry the entry module; default: package.json `"sdx".entry`, else `src/index.ts`.
 */
export function generate(options: GenerateOptions): GenerateResult {
  return new CodegenSession(options).generate();
}

/** Writes `<project>/generated/{manifest.json,schema.sql,bindings.ts,entry.ts}`; returns the paths written. */
export function writeArtifacts(projectDir: string, artifacts: GeneratedArtifacts): string[] {
  const dir = join(resolve(projectDir), GENERATED_DIR);
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ["manifest.json", artifacts.manifestJson],
    ["schema.sql", artifacts.schemaSql],
    ["bindings.ts", artifacts.bindingsTs],
    ["entry.ts", artifacts.entryTs],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
