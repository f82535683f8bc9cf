/**
 * What the reach analysis (reach.ts) found in each function body, kept between the builds of a
 * codegen session. Apart from reach.ts so the analysis context can hold it without an import cycle.
 */
import type { ts } from "../program/typescript.js";

export type Body = ts.FunctionLikeDeclaration;

export interface SdkCall {
  /** `Vdfs.addTagToContent`: the SDK interface (or class) declaring the method, and its name. */
  readonly key: string;
  readonly call: ts.CallExpression;
  /** The method's name at the call (`addTagToContent`), where diagnostics point. */
  readonly name: ts.Node;
}

/** What one body does, found by visiting it: its SDK calls, its floating calls, the own bodies it reaches. */
export interface BodyFacts {
  readonly sdkCalls: readonly SdkCall[];
  readonly floating: readonly ts.CallExpression[];
  readonly callees: readonly Body[];
}

/**
 * What `reach` found in each body, kept between the builds of a session (watch mode): visiting a
 * body asks the checker to resolve every call in it, which on a new program type-checks most of
 * the project again. A body's facts are reused while its file is the same parsed file, the file is
 * not among those a change affected (TsProject.affectedFiles: its types may differ), and every body
 * it reaches is still in a current file; otherwise it is visited again.
 */
export class ReachCache {
  private readonly facts = new WeakMap<Body, BodyFacts>();
  private program: ts.Program | null = null;
  private affected: ReadonlySet<string> | "all" = "all";

  /** Starts a build over `program`; `affected` as TsProject.affectedFiles gives it. */
  begin(program: ts.Program, affected: ReadonlySet<string> | "all"): void {
    this.program = program;
    this.affected = affected;
  }

  get(body: Body): BodyFacts | undefined {
    const facts = this.facts.get(body);
    if (!facts || this.affected === "all" || !this.isCurrent(body) || this.affected.has(body.getSourceFile().fileName)) return undefined;
    return facts.callees.every((callee) => this.isCurrent(callee)) ? facts : undefined;
  }

  set(body: Body, facts: BodyFacts): void {
    this.facts.set(body, facts);
  }

  private isCurrent(node: ts.Node): boolean {
    const file = node.getSourceFile();
    return this.program?.getSourceFile(file.fileName) === file;
  }
}

