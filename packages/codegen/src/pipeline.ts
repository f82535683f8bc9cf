/**
 * One codegen run over a prepared project: program → discovery → analysis → emitters, then the
 * checks (what entry points reach, type errors). Shared by `generate()` and `CodegenSession`
 * (which reuses the project).
 *
 * Input: a `ProjectSetup`. Output: `GenerateResult` (diagnostics sorted, artifacts only when
 * there is no error). Must not: write files or throw for problems in the author's code.
 */
import type { Manifest } from "@sdx/sdk/manifest";
import { ts } from "./program/typescript.js";
import { DiagnosticCollector } from "./diagnostics/collector.js";
import { sortDiagnostics, type Diagnostic, type Span } from "./diagnostics/diagnostic.js";
import { emitBindings } from "./emit/bindings.js";
import { emitEntry } from "./emit/entry.js";
import { emitManifest } from "./emit/manifest.js";
import { emitSql } from "./emit/sql.js";
import type { ExtensionIR } from "./ir/ir.js";
import { analyzeProgram } from "./analyze/analyze.js";
import type { ReachCache } from "./analyze/reach-cache.js";
import { discoverDecorators, type DecoratedClass } from "./program/discover.js";
import { ownFiles } from "./program/own-files.js";
import type { ProjectSetup } from "./program/project.js";
import { readProjectFiles } from "./program/project-files.js";
import { SdkSymbols } from "./program/sdk-symbols.js";
import { spanOf } from "./program/spans.js";
import { typeErrors } from "./program/type-errors.js";

export interface GeneratedArtifacts {
  /** The manifest, validated with `manifestSchema`. */
  manifest: Manifest;
  /** `generated/manifest.json`: deterministic, 2-space, trailing newline. */
  manifestJson: string;
  /** `generated/schema.sql`. */
  schemaSql: string;
  /** `generated/bindings.ts`. */
  bindingsTs: string;
  /** `generated/entry.ts`, the esbuild entry point. */
  entryTs: string;
}

export interface GenerateResult {
  /** False when any diagnostic is an error. */
  ok: boolean;
  ir: ExtensionIR | null;
  artifacts: GeneratedArtifacts | null;
  diagnostics: Diagnostic[];
}

function within(inner: Span, outer: Span): boolean {
  return inner.file === outer.file && inner.start >= outer.start && inner.start <= outer.start + outer.length;
}

/**
 * TypeScript errors that restate an sdx error are dropped: a wrong option makes the decorator's
 * call fail to type-check too, and the sdx error says more (code, hint). A TypeScript error is
 * dropped only if it sits in an sdx decorator of a declaration that has an sdx error, or inside
 * the span of an sdx error; every other type error is kept.
 */
function withoutRestatements(tsErrors: readonly Diagnostic[], sdxErrors: readonly Diagnostic[], classes: readonly DecoratedClass[]): Diagnostic[] {
  const errorSpans = sdxErrors.flatMap((d) => (d.span ? [d.span] : []));
  const covered: Span[] = [];
  for (const cls of classes) {
    const classHeader = spanOf(cls.node);
    const members = cls.node.members;
    const headerEnd = members.length ? members[0]!.getStart() : cls.node.getEnd();
    const header = { file: classHeader.file, start: classHeader.start, length: headerEnd - classHeader.start };
    const ctor = members.find((m) => ts.isConstructorDeclaration(m));
    const classRegions = [header, ...(ctor ? [spanOf(ctor)] : []), ...cls.decorators.map((d) => spanOf(d.node))];
    if (errorSpans.some((e) => classRegions.some((r) => within(e, r)))) covered.push(...cls.decorators.map((d) => spanOf(d.node)));
    for (const member of cls.members) {
      const region = spanOf(member.node);
      if (errorSpans.some((e) => within(e, region))) covered.push(...member.decorators.map((d) => spanOf(d.node)));
    }
  }
  // Also dropped: a TypeScript error inside the span of an sdx error (e.g. in a misplaced decorator).
  return tsErrors.filter((t) => !t.span || ![...covered, ...errorSpans].some((c) => within(t.span!, c)));
}

/** What a session keeps between its runs besides the project (each valid for the program it names). */
export interface PipelineCaches {
  reach: ReachCache;
}

/**
 * A codegen run in two steps. The artifacts come first, as soon as the IR is known, so a build can
 * start bundling them; `finish()` then runs the checks that can only add diagnostics (what the
 * entry points reach, TypeScript's own errors). The artifacts are the run's only if `finish()`
 * reports no error.
 */
export interface PipelineRun {
  /** The IR's artifacts; null when an error is already known. */
  readonly artifacts: GeneratedArtifacts | null;
  finish(): GenerateResult;
}

export function startPipeline(setup: ProjectSetup, caches?: PipelineCaches): PipelineRun {
  const diagnostics = new DiagnosticCollector();
  for (const d of setup.diagnostics) diagnostics.add(d);
  const done = (ir: ExtensionIR | null, artifacts: GeneratedArtifacts | null): GenerateResult =>
    ({ ok: artifacts !== null, ir, artifacts, diagnostics: sortDiagnostics(diagnostics.items) });
  if (!setup.entryFile) return { artifacts: null, finish: () => done(null, null) };

  const program = setup.project.program();
  const checker = program.getTypeChecker();
  const sdk = new SdkSymbols(checker);
  const files = ownFiles(program, setup.projectDir, setup.entryFile, sdk);
  const classes = discoverDecorators(files, sdk, diagnostics);
  caches?.reach.begin(program, setup.project.affectedFiles());
  const { ir, checkReach } = analyzeProgram(
    classes,
    {
      program, checker, sdk, diagnostics, projectDir: setup.projectDir, entryFile: setup.entryFile, ownFiles: new Set(files.map((f) => f.fileName)),
      reachCache: caches?.reach,
    },
    readProjectFiles(setup.projectDir),
  );
  const artifacts = ir && diagnostics.errorCount === 0 ? emitArtifacts(ir, diagnostics) : null;
  let result: GenerateResult | null = null;
  return {
    artifacts,
    finish() {
      if (result) return result;
      checkReach();
      const sdxErrors = diagnostics.items.filter((d) => d.severity === "error");
      for (const d of withoutRestatements(typeErrors(setup.project, files), sdxErrors, classes)) diagnostics.add(d);
      result = done(ir, diagnostics.errorCount === 0 ? artifacts : null);
      return result;
    },
  };
}

function emitArtifacts(ir: ExtensionIR, diagnostics: DiagnosticCollector): GeneratedArtifacts | null {
  const manifest = emitManifest(ir);
  if (!manifest.ok) {
    for (const issue of manifest.issues) diagnostics.error("SDX1037", null, `Generated manifest is invalid (internal error): ${issue}`);
    return null;
  }
  return {
    manifest: manifest.manifest,
    manifestJson: manifest.json,
    schemaSql: emitSql(ir),
    bindingsTs: emitBindings(ir),
    entryTs: emitEntry(ir, manifest.manifest),
  };
}
