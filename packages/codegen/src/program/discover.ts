/**
 * Stage 1d: finds every sdx decorator in the author's files, by symbol.
 *
 * Input: the author's source files and the checker. Output: the classes that carry sdx
 * decorators (on the class or its members), each decorator tagged with its kind.
 * Reports SDX1030 (a look-alike decorator not from the sdk) and SDX1021 (a decorator where it
 * cannot go). Must not: read decorator options or judge types; that is analyze/'s job.
 */
import { ts } from "./typescript.js";
import type { DiagnosticCollector } from "../diagnostics/collector.js";
import { spanOf } from "./spans.js";
import type { SdkSymbols } from "./sdk-symbols.js";

export const CLASS_DECORATORS = ["extension", "model", "agent", "agentTrail", "agentMemory", "settings"] as const;
export const METHOD_DECORATORS = ["job", "task", "action", "actionExecute", "query"] as const;
export const FIELD_DECORATORS = ["setting", "blobData", "sync"] as const;

export type ClassDecoratorKind = (typeof CLASS_DECORATORS)[number];
export type MethodDecoratorKind = (typeof METHOD_DECORATORS)[number];
export type FieldDecoratorKind = (typeof FIELD_DECORATORS)[number];
export type DecoratorKind = ClassDecoratorKind | MethodDecoratorKind | FieldDecoratorKind;

const ALL_KINDS = new Set<string>([...CLASS_DECORATORS, ...METHOD_DECORATORS, ...FIELD_DECORATORS]);

export interface FoundDecorator {
  readonly kind: DecoratorKind;
  readonly node: ts.Decorator;
  /** Arguments of the decorator call; null when the factory was used without calling it (`@job`). */
  readonly args: readonly ts.Expression[] | null;
}

export interface DecoratedMember {
  readonly node: ts.ClassElement;
  readonly name: string;
  readonly decorators: readonly FoundDecorator[];
}

export interface DecoratedClass {
  readonly node: ts.ClassDeclaration;
  readonly name: string;
  readonly decorators: readonly FoundDecorator[];
  readonly members: readonly DecoratedMember[];
}

export function memberName(member: ts.ClassElement): string | null {
  const name = member.name;
  if (!name) return null;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isPrivateIdentifier(name)) return name.text;
  return null;
}

function decoratorsOf(node: ts.Node): readonly ts.Decorator[] {
  return ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : [];
}

function calleeOf(decorator: ts.Decorator): { callee: ts.Expression; args: readonly ts.Expression[] | null } {
  let expr: ts.Expression = decorator.expression;
  while (ts.isParenthesizedExpression(expr)) expr = expr.expression;
  if (ts.isCallExpression(expr)) return { callee: expr.expression, args: expr.arguments };
  return { callee: expr, args: null };
}

function textName(callee: ts.Expression): string | null {
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return null;
}

/** The module specifier a decorator's name was imported from, if it was imported. */
function importedFrom(callee: ts.Expression, sdk: SdkSymbols): string | null {
  const target = ts.isPropertyAccessExpression(callee) ? callee.expression : callee;
  const decl = sdk.checker.getSymbolAtLocation(target)?.declarations?.[0];
  let node: ts.Node | undefined = decl;
  while (node && !ts.isImportDeclaration(node)) node = node.parent;
  if (node && ts.isStringLiteral(node.moduleSpecifier)) return node.moduleSpecifier.text;
  return decl ? "this module" : null;
}

type Position = "class" | "method" | "field";

function allowedAt(kind: DecoratorKind): Position {
  if ((CLASS_DECORATORS as readonly string[]).includes(kind)) return "class";
  if ((METHOD_DECORATORS as readonly string[]).includes(kind)) return "method";
  return "field";
}

function positionOf(node: ts.Node): Position | "other" {
  if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) return "class";
  if (ts.isMethodDeclaration(node)) return "method";
  if (ts.isPropertyDeclaration(node)) return "field";
  return "other";
}

const POSITION_WORDS: Record<Position, string> = { class: "a class", method: "a method", field: "a field" };

export function discoverDecorators(files: readonly ts.SourceFile[], sdk: SdkSymbols, diagnostics: DiagnosticCollector): DecoratedClass[] {
  const found: DecoratedClass[] = [];

  const classify = (node: ts.Node): FoundDecorator[] => {
    const out: FoundDecorator[] = [];
    for (const decorator of decoratorsOf(node)) {
      const { callee, args } = calleeOf(decorator);
      const sdkName = sdk.sdkNameOfExpression(callee);
      if (sdkName === null) {
        const name = textName(callee);
        if (name && ALL_KINDS.has(name)) {
          const from = importedFrom(callee, sdk);
          diagnostics.error("SDX1030", spanOf(decorator), `@${name} ${from ? `comes from "${from}"` : "is not imported"}, not from "@sdx/sdk"`, {
            hint: `Import it from "@sdx/sdk": import { ${name} } from "@sdx/sdk";`,
          });
        }
        continue;
      }
      if (!ALL_KINDS.has(sdkName)) {
        diagnostics.error("SDX1021", spanOf(decorator), `"${sdkName}" from "@sdx/sdk" is not a decorator`);
        continue;
      }
      const kind = sdkName as DecoratorKind;
      const at = positionOf(node);
      const want = allowedAt(kind);
      const isStatic = ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
      if (at !== want || isStatic) {
        diagnostics.error("SDX1021", spanOf(decorator), `@${kind} goes on ${isStatic && at === want ? "an instance member" : POSITION_WORDS[want]}, not on ${isStatic ? "a static member" : at === "other" ? "this declaration" : POSITION_WORDS[at]}`);
        continue;
      }
      if (args === null) {
        diagnostics.error("SDX1008", spanOf(decorator), `@${kind} is a decorator factory: call it, as @${kind}(${kind === "sync" ? '"shared"' : ""})`);
        continue;
      }
      out.push({ kind, node: decorator, args });
    }
    return out;
  };

  const visitClass = (node: ts.ClassDeclaration) => {
    const decorators = classify(node);
    const members: DecoratedMember[] = [];
    for (const member of node.members) {
      const decs = classify(member);
      // Accessor-like members can carry decorators too; classify() already reported them.
      const name = memberName(member);
      if (decs.length && name !== null) members.push({ node: member, name, decorators: decs });
    }
    if (decorators.length || members.length) found.push({ node, name: node.name?.text ?? "default", decorators, members });
  };

  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node)) visitClass(node);
    else if (ts.isClassExpression(node)) {
      for (const d of [...decoratorsOf(node), ...node.members.flatMap((m) => [...decoratorsOf(m)])]) {
        const { callee } = calleeOf(d);
        if (sdk.sdkNameOfExpression(callee)) diagnostics.error("SDX1021", spanOf(d), "sdx decorators go on class declarations, not class expressions");
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const file of files) visit(file);
  return found;
}
