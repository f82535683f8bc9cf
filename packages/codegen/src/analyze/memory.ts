/**
 * The `@agentMemory()` class and its `@sync(...)` fields.
 *
 * Input: the decorated class. Output: `MemoryIR`: per field, the memory kind (TemporalMemory,
 * AssociativeMemory, WorkingMemory from the sdk), its sync strategy and the schema of its items.
 * Reports SDX1026 (wrong type, missing/invalid @sync, unserializable item), SDX1018, SDX1034.
 */
import { ts } from "../program/typescript.js";
import type { MemoryFieldIR, MemoryIR } from "../ir/ir.js";
import type { DecoratedClass } from "../program/discover.js";
import { spanOf } from "../program/spans.js";
import { classRef } from "./class-ref.js";
import type { AnalyzeContext } from "./context.js";
import { SYNCS } from "./enums.js";
import { fallbackRef } from "./extension.js";
import { checkName } from "./names.js";
import { reportSchemaIssues } from "./params.js";
import { readStatic } from "./static-value.js";
import { SchemaBuilder } from "./types.js";

const KINDS: Record<string, MemoryFieldIR["kind"]> = {
  TemporalMemory: "temporal",
  AssociativeMemory: "associative",
  WorkingMemory: "working",
};

export function analyzeMemory(cls: DecoratedClass, ctx: AnalyzeContext): MemoryIR {
  let ref = classRef(cls.node, ctx);
  if (!ref) {
    ctx.diagnostics.error("SDX1034", spanOf(cls.node.name ?? cls.node), `The @agentMemory class ${cls.name} is not exported`);
    ref = fallbackRef(cls);
  }
  checkName(cls.name, cls.node.name ?? cls.node, "The @agentMemory class", ctx);
  const syncOf = new Map(cls.members.flatMap((m) => m.decorators.filter((d) => d.kind === "sync").map((d) => [m.node, d] as const)));
  const fields: MemoryFieldIR[] = [];
  for (const member of cls.node.members) {
    if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) continue;
    if ((ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) continue;
    const name = member.name.text;
    const what = `Memory field "${name}"`;
    checkName(name, member.name, "Memory field", ctx);

    const syncDecorator = syncOf.get(member);
    let sync: MemoryFieldIR["sync"] | undefined;
    if (!syncDecorator) {
      ctx.diagnostics.error("SDX1026", spanOf(member.name), `${what} has no @sync("shared" | "device_owned")`);
    } else {
      const arg = syncDecorator.args?.[0];
      const value = arg ? readStatic(arg, ctx) : null;
      if (value?.kind === "string" && (SYNCS as readonly string[]).includes(value.value)) sync = value.value as MemoryFieldIR["sync"];
      else if (value?.kind !== "dynamic") {
        ctx.diagnostics.error("SDX1026", spanOf(arg ?? syncDecorator.node), `${what}: @sync takes "shared" or "device_owned"`);
      }
    }

    const typeNode = member.type;
    const kindName = typeNode ? ctx.sdk.sdkNameOfTypeNode(typeNode) : null;
    const kind = kindName ? KINDS[kindName] : undefined;
    if (!kind || !typeNode || !ts.isTypeReferenceNode(typeNode) || typeNode.typeArguments?.length !== 1) {
      ctx.diagnostics.error("SDX1026", spanOf(typeNode ?? member.name), `${what} must be TemporalMemory<T>, AssociativeMemory<T> or WorkingMemory<T>`);
      continue;
    }
    const itemNode = typeNode.typeArguments[0]!;
    const outcome = SchemaBuilder.build(ctx, ctx.checker.getTypeFromTypeNode(itemNode), itemNode, itemNode);
    reportSchemaIssues(outcome.issues, "SDX1026", ctx, `The items of ${what.toLowerCase()}`);
    if (sync) fields.push({ name, kind, sync, itemSchema: outcome.schema, span: spanOf(member.name) });
  }
  return { classRef: ref, fields };
}
