/**
 * Blob loaders asked for a field that is not `@blobData`: `vdfs.blobs(model).field()` and
 * `vdfs.loadBlob(model, "field")`. TypeScript cannot see decorators, so `BlobAccessors<T>` offers a
 * loader for every optional field of the model class; at run time there is one only for each
 * `@blobData` field, and such a call fails. This finds it at build time, at the field's name.
 *
 * Input: the SDK calls the entry points reach (reach.ts), the models by class symbol. Reports
 * SDX1046. Must not: guess: an argument whose type is not one model class, or a field not written
 * as a name or a string literal, is left alone.
 */
import { ts } from "../program/typescript.js";
import type { ModelIR } from "../ir/ir.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";
import type { SdkCall } from "./reach.js";

function modelOf(arg: ts.Expression, models: ReadonlyMap<ts.Symbol, ModelIR>, ctx: AnalyzeContext): ModelIR | null {
  const symbol = ctx.checker.getTypeAtLocation(arg).getSymbol();
  return symbol ? (models.get(symbol) ?? models.get(ctx.sdk.resolve(symbol)) ?? null) : null;
}

/** The field a `blobs(model)` call's result is read at (`.faces` or `["faces"]`), with its node. */
function accessedField(call: ts.CallExpression): { name: string; node: ts.Node } | null {
  const parent = call.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === call) return { name: parent.name.text, node: parent.name };
  if (ts.isElementAccessExpression(parent) && parent.expression === call && ts.isStringLiteralLike(parent.argumentExpression)) {
    return { name: parent.argumentExpression.text, node: parent.argumentExpression };
  }
  return null;
}

export function checkBlobUse(calls: readonly SdkCall[], models: ReadonlyMap<ts.Symbol, ModelIR>, ctx: AnalyzeContext): void {
  for (const { key, call } of calls) {
    if (key !== "Vdfs.blobs" && key !== "Vdfs.loadBlob") continue;
    const [arg, second] = call.arguments;
    const model = arg ? modelOf(arg, models, ctx) : null;
    if (!model) continue;
    const field = key === "Vdfs.blobs"
      ? accessedField(call)
      : second && ts.isStringLiteralLike(second) ? { name: second.text, node: second } : null;
    if (!field) continue;
    const blobs = model.blobFields.map((b) => b.name);
    if (blobs.includes(field.name)) continue;
    const what = key === "Vdfs.blobs" ? "vdfs().blobs(…) has no loader for it" : "loadBlob cannot load it";
    const has = blobs.length > 0 ? `its @blobData fields: ${blobs.join(", ")}` : "it has no @blobData field";
    ctx.diagnostics.error("SDX1046", spanOf(field.node), `${model.classRef.className}.${field.name} is not a @blobData field, so ${what} (${has})`);
  }
}
