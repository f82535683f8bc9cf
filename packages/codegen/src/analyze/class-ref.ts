/**
 * How generated code imports a class of the author: from the entry module when it exports the
 * class (under any name), else from the class's own module. Null when neither exports it.
 */
import { ts } from "../program/typescript.js";
import type { ClassRef } from "../ir/ir.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";

function exportNameIn(file: ts.SourceFile, target: ts.Symbol, ctx: AnalyzeContext): string | null {
  const moduleSymbol = ctx.checker.getSymbolAtLocation(file);
  if (!moduleSymbol) return null;
  const names: string[] = [];
  for (const exported of ctx.checker.getExportsOfModule(moduleSymbol)) {
    if (ctx.sdk.resolve(exported) === target) names.push(exported.getName());
  }
  if (!names.length) return null;
  // Prefer the class's own name, then a named export over `default`, for readable generated code.
  return names.includes(target.getName()) ? target.getName() : names.sort().find((n) => n !== "default") ?? names[0]!;
}

export function classSymbol(node: ts.ClassDeclaration, ctx: AnalyzeContext): ts.Symbol | undefined {
  return node.name ? ctx.checker.getSymbolAtLocation(node.name) : (node as unknown as { symbol?: ts.Symbol }).symbol;
}

export function classRef(node: ts.ClassDeclaration, ctx: AnalyzeContext): ClassRef | null {
  const symbol = classSymbol(node, ctx);
  const className = node.name?.text ?? "default";
  if (!symbol) return null;
  const span = spanOf(node.name ?? node);
  const entry = ctx.program.getSourceFile(ctx.entryFile);
  const fromEntry = entry ? exportNameIn(entry, symbol, ctx) : null;
  if (fromEntry) return { className, module: ctx.entryFile, exportName: fromEntry, span };
  const own = node.getSourceFile();
  const fromOwn = exportNameIn(own, symbol, ctx);
  if (fromOwn) return { className, module: own.fileName, exportName: fromOwn, span };
  return null;
}

/** The constructor that prevents `new C()` (it has required parameters), if any. */
export function constructorWithParams(node: ts.ClassDeclaration): ts.ConstructorDeclaration | null {
  for (const member of node.members) {
    if (ts.isConstructorDeclaration(member) && member.body && member.parameters.some((p) => !p.questionToken && !p.initializer && !p.dotDotDotToken)) {
      return member;
    }
  }
  return null;
}
