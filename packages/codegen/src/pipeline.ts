/**
 * One codegen run over a prepared project: program → discovery → analysis → type errors →
 * emitters. Shared by `generate()` and `CodegenSession` (which reuses the project).
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

export function runPipeline(setup: ProjectSetup, caches?: PipelineCaches): GenerateResult {
  const diagnostics = new DiagnosticCollector();
  for (const d of setup.diagnostics) diagnostics.add(d);
  if (!setup.entryFile) return { ok: false, ir: null, artifacts: null, diagnostics: sortDiagnostics(diagnostics.items) };

  const program = setup.project.program();
  const checker = program.getTypeChecker();
  const sdk = new SdkSymbols(checker);
  const files = ownFiles(program, setup.projectDir, setup.entryFile, sdk);
  const classes = discoverDecorators(files, sdk, diagnostics);
  caches?.reach.begin(program, setup.project.affectedFiles());
  const ir = analyzeProgram(
    classes,
    {
      program, checker, sdk, diagnostics, projectDir: setup.projectDir, entryFile: setup.entryFile, ownFiles: new Set(files.map((f) => f.fileName)),
      reachCache: caches?.reach,
    },
    readProjectFiles(setup.projectDir),
  );
  const sdxErrors = diagnostics.items.filter((d) => d.severity === "error");
  for (const d of withoutRestatements(typeErrors(setup.project, files), sdxErrors, classes)) diagnostics.add(d);

  if (diagnostics.errorCount > 0 || !ir) {
    return { ok: false, ir, artifacts: null, diagnostics: sortDiagnostics(diagnostics.items) };
  }
  const manifest = emitManifest(ir);
  if (!manifest.ok) {
    for (const issue of manifest.issues) diagnostics.error("SDX1037", null, `Generated manifest is invalid (internal error): ${issue}`);
    return { ok: false, ir, artifacts: null, diagnostics: sortDiagnostics(diagnostics.items) };
  }
  const artifacts: GeneratedArtifacts = {
    manifest: manifest.manifest,
    manifestJson: manifest.json,
    schemaSql: emitSql(ir),
    bindingsTs: emitBindings(ir),
    entryTs: emitEntry(ir, manifest.manifest),
  };
  return { ok: true, ir, artifacts, diagnostics: sortDiagnostics(diagnostics.items) };
}
