/**
 * Recognizes SDK declarations by symbol, through the checker: a name counts as the sdk's `model`
 * (or `Uuid`, `JobContext`, …) only if it resolves, following import aliases and re-exports, to a
 * declaration in a file of the `@sdx/sdk` package (src or dist, project-local or installed).
 * Matching by identifier text (tsoa's mistake) would break `import { model as m }` and accept
 * look-alikes.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ts } from "./typescript.js";
import { SDK_PACKAGE } from "./sdk-location.js";

export class SdkSymbols {
  private readonly dirIsSdk = new Map<string, boolean>();

  constructor(readonly checker: ts.TypeChecker) {}

  /** True when `fileName` belongs to the `@sdx/sdk` package (nearest package.json is the sdk's). */
  isSdkFile(fileName: string): boolean {
    const visited: string[] = [];
    let dir = dirname(fileName);
    let result = false;
    for (;;) {
      const cached = this.dirIsSdk.get(dir);
      if (cached !== undefined) {
        result = cached;
        break;
      }
      visited.push(dir);
      const pkg = join(dir, "package.json");
      if (existsSync(pkg)) {
        try {
          result = (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === SDK_PACKAGE;
        } catch {
          result = false;
        }
        break;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    for (const d of visited) this.dirIsSdk.set(d, result);
    return result;
  }

  /** Follows import/export aliases to the declared symbol. */
  resolve(symbol: ts.Symbol): ts.Symbol {
    let current = symbol;
    while (current.flags & ts.SymbolFlags.Alias) {
      const next = this.checker.getAliasedSymbol(current);
      if (next === current || next.flags & ts.SymbolFlags.Alias && next === symbol) break;
      current = next;
    }
    return current;
  }

  /** The sdk name of a symbol (e.g. `"model"`), or null when it is not declared in the sdk. */
  sdkName(symbol: ts.Symbol | undefined): string | null {
    if (!symbol) return null;
    const resolved = this.resolve(symbol);
    const decl = resolved.declarations?.[0];
    if (!decl || !this.isSdkFile(decl.getSourceFile().fileName)) return null;
    return resolved.name;
  }

  /** The sdk name an expression refers to (`model`, `sdx.model`, `Permission`). */
  sdkNameOfExpression(expr: ts.Expression): string | null {
    const target = ts.isPropertyAccessExpression(expr) ? expr.name : expr;
    return this.sdkName(this.checker.getSymbolAtLocation(target));
  }

  /**
   * The sdk type a type node names (`Uuid`, `SdPath`, `JobContext`), following the author's own
   * non-generic aliases (`type PersonId = Uuid`). The checker erases aliases of primitives, so the
   * node is the only place `Uuid` survives.
   */
  sdkNameOfTypeNode(node: ts.TypeNode | undefined): string | null {
    for (let depth = 0; node && depth < 16; depth++) {
      if (ts.isParenthesizedTypeNode(node)) {
        node = node.type;
        continue;
      }
      if (!ts.isTypeReferenceNode(node)) return null;
      const nameNode = node.typeName;
      const symbol = this.checker.getSymbolAtLocation(ts.isQualifiedName(nameNode) ? nameNode.right : nameNode);
      if (!symbol) return null;
      const sdk = this.sdkName(symbol);
      if (sdk) return sdk;
      const decl = this.resolve(symbol).declarations?.find(ts.isTypeAliasDeclaration);
      if (!decl || decl.typeParameters) return null;
      node = decl.type;
    }
    return null;
  }

  /** The sdk name of a type's declaration (its alias symbol first, then its symbol). */
  sdkNameOfType(type: ts.Type): string | null {
    return this.sdkName(type.aliasSymbol) ?? this.sdkName(type.getSymbol());
  }
}
