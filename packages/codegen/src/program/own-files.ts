/**
 * Stage 1b: the author's own source files: the entry module and every module it reaches through
 * static imports and re-exports, minus dependencies. That is exactly what the bundle will contain,
 * so decorators are discovered, and type errors reported, in these files only (a test file the
 * tsconfig includes is not part of the extension).
 *
 * Input: program + entry. Output: source files in a stable order (sorted by path).
 * Must not: include node_modules, the sdk, or generated/ and kernels/ files.
 */
import { ts } from "./typescript.js";
import { isExcludedFile } from "./project.js";
import type { SdkSymbols } from "./sdk-symbols.js";

function moduleSpecifiers(file: ts.SourceFile): ts.StringLiteralLike[] {
  const specs: ts.StringLiteralLike[] = [];
  for (const statement of file.statements) {
    if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteralLike(statement.moduleSpecifier)) {
      specs.push(statement.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference) && ts.isStringLiteralLike(statement.moduleReference.expression)) {
      specs.push(statement.moduleReference.expression);
    }
  }
  return specs;
}

export function ownFiles(program: ts.Program, projectDir: string, entryFile: string, sdk: SdkSymbols): ts.SourceFile[] {
  const entry = program.getSourceFile(entryFile);
  if (!entry) return [];
  const seen = new Map<string, ts.SourceFile>();
  const checker = program.getTypeChecker();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file.fileName)) continue;
    seen.set(file.fileName, file);
    for (const spec of moduleSpecifiers(file)) {
      // The module symbol's declaration is the resolved file (TypeScript 6 has no public resolution lookup).
      const target = checker.getSymbolAtLocation(spec)?.valueDeclaration;
      if (!target || !ts.isSourceFile(target) || seen.has(target.fileName)) continue;
      if (isExcludedFile(projectDir, target.fileName) || sdk.isSdkFile(target.fileName)) continue;
      queue.push(target);
    }
    // Ambient declarations of the project (e.g. src/env.d.ts) are part of it even when not imported.
  }
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile && !seen.has(file.fileName) && file.fileName.startsWith(projectDir) && !isExcludedFile(projectDir, file.fileName) && !sdk.isSdkFile(file.fileName)) {
      seen.set(file.fileName, file);
    }
  }
  return [...seen.values()].sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
}
