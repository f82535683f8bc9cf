/**
 * What every analyzer receives: the checker, the sdk recognizer and the diagnostics collector.
 */
import type { ts } from "../program/typescript.js";
import type { DiagnosticCollector } from "../diagnostics/collector.js";
import type { SdkSymbols } from "../program/sdk-symbols.js";
import type { ReachCache } from "./reach-cache.js";

export interface AnalyzeContext {
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  readonly sdk: SdkSymbols;
  readonly diagnostics: DiagnosticCollector;
  readonly projectDir: string;
  readonly entryFile: string;
  /** Symbols of the classes decorated `@model` (nested models are inlined into schemas). */
  readonly modelClasses: ReadonlySet<ts.Symbol>;
  /** Files of the author (issues inside them point at the exact declaration). */
  readonly ownFiles: ReadonlySet<string>;
  /** What `reach` found in earlier builds of a session, for the bodies no change affected. */
  readonly reachCache?: ReachCache;
}
