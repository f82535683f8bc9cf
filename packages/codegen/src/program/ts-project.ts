/**
 * The TypeScript program of the author's project, kept between builds: source files are parsed
 * once and reused until `refresh` names them, so a rebuild re-parses only what changed and
 * TypeScript reuses the rest of the old program. Files of the TypeScript installation (lib.*.d.ts)
 * are parsed once per process and shared by every project. Type errors are kept per file, as
 * `tsc --watch` keeps them (a semantic-diagnostics builder program): a rebuild type-checks only the
 * files a change can affect (the changed file, and its importers when its exported types changed).
 *
 * Must not: read anything but what the compiler host asks for.
 */
import { dirname } from "node:path";
import { ts } from "./typescript.js";

const LIB_DIR = dirname(ts.getDefaultLibFilePath({}));
const libFiles = new Map<string, ts.SourceFile>();
/** The builder tells changed files by version: a new parse of a file is a new version. */
let nextVersion = 0;

function cacheKey(fileName: string, languageVersion: ts.ScriptTarget | ts.CreateSourceFileOptions): string {
  const options = typeof languageVersion === "object" ? languageVersion : { languageVersion };
  return `${fileName}\0${options.languageVersion}\0${options.impliedNodeFormat ?? ""}\0${options.jsDocParsingMode ?? ""}`;
}

export class TsProject {
  private readonly files = new Map<string, ts.SourceFile>();
  private readonly host: ts.CompilerHost;
  private readonly roots: Set<string>;
  /** The last program built; `stale` once a root or a file changed since. */
  private last: ts.SemanticDiagnosticsBuilderProgram | undefined;
  private stale = true;
  /** Files of the last program whose types a change may have changed since the one before ("all": every file). */
  private affected: ReadonlySet<string> | "all" = "all";

  constructor(readonly options: ts.CompilerOptions, rootNames: Iterable<string>) {
    this.roots = new Set(rootNames);
    const host = ts.createCompilerHost(options, false);
    // What tsc does: JSDoc in TypeScript files is not parsed (no type error depends on it, and
    // nothing here reads it); parsing lib.*.d.ts's JSDoc was a fifth of a cold build.
    host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
      const key = cacheKey(fileName, languageVersion);
      const cache = fileName.startsWith(LIB_DIR) ? libFiles : this.files;
      let file = cache.get(key);
      if (!file) {
        file = read(fileName, languageVersion, onError, shouldCreate);
        if (file) {
          // What TypeScript's watch host sets; `version` is internal to its public typings.
          (file as ts.SourceFile & { version: string }).version = String(nextVersion++);
          cache.set(key, file);
        }
      }
      return file;
    };
    this.host = host;
  }

  /** The program over the roots and everything they import; the same object until something changes. */
  program(): ts.Program {
    return this.builder().getProgram();
  }

  /**
   * Bind and check errors of `files` (TypeScript's `getSemanticDiagnostics`): kept from the last
   * program for a file no change since could affect, computed again for the others.
   */
  semanticDiagnostics(files: readonly ts.SourceFile[]): ts.Diagnostic[] {
    const builder = this.builder();
    return files.flatMap((file) => builder.getSemanticDiagnostics(file));
  }

  /**
   * The files of the current program that a change since the previous program may have affected:
   * the changed files, and their importers when a changed file's exported types changed ("all" for
   * the first program, or after a change every file depends on). What the checker says about any
   * other file is what it said before: analyses may keep their results for those.
   */
  affectedFiles(): ReadonlySet<string> | "all" {
    this.builder();
    return this.affected;
  }

  private builder(): ts.SemanticDiagnosticsBuilderProgram {
    if (this.stale || !this.last) {
      const builder = ts.createSemanticDiagnosticsBuilderProgram([...this.roots].sort(), this.options, this.host, this.last);
      this.last = builder;
      this.stale = false;
      // Walking the affected files forgets what the change made stale (their errors are checked
      // again when asked for) and tells which they are; none is checked here, except when the
      // change affects the whole program (TypeScript then checks every file in one step, as tsc would).
      const names = new Set<string>();
      let all = false;
      for (;;) {
        const next = builder.getSemanticDiagnosticsOfNextAffectedFile(undefined, (file) => (names.add(file.fileName), true));
        if (!next) break;
        if (next.affected === builder.getProgram()) all = true;
      }
      this.affected = all ? "all" : names;
    }
    return this.last;
  }

  hasRoot(fileName: string): boolean {
    return this.roots.has(fileName);
  }

  addRoot(fileName: string): void {
    this.roots.add(fileName);
    this.changed(false);
  }

  removeRoot(fileName: string): void {
    this.roots.delete(fileName);
    this.changed(false);
  }

  /**
   * Files of the last program that `include` accepts (declaration files never) whose text on disk
   * differs from the parsed one, or that are gone: what a watcher's event may have missed.
   */
  changedOnDisk(include: (fileName: string) => boolean): string[] {
    if (!this.last) return [];
    const changed: string[] = [];
    for (const file of this.last.getProgram().getSourceFiles()) {
      if (file.isDeclarationFile || !include(file.fileName)) continue;
      if (this.host.readFile(file.fileName) !== file.text) changed.push(file.fileName);
    }
    return changed;
  }

  /** Forgets the parsed text of `fileNames`; the next program reads them again. */
  refresh(fileNames: Iterable<string>): void {
    const names = new Set(fileNames);
    for (const key of this.files.keys()) if (names.has(key.slice(0, key.indexOf("\0")))) this.files.delete(key);
    this.changed(true);
  }

  /**
   * A new or removed root may be what an unchanged file failed to import: then every import is
   * resolved again (parsed files are still reused) instead of reusing the old program's resolutions.
   */
  private changed(reuseResolutions: boolean): void {
    this.stale = true;
    if (!reuseResolutions) this.last = undefined;
  }
}
