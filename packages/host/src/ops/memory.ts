/**
 * memory.* and agent.trace: an agent's own memory and its trail.
 *
 * Memory is private to the extension (every statement is keyed by `ctx.extensionId` and the
 * field), needs no permission, and is not audited: it is not part of the VDFS, and an agent may
 * write it at a high rate. Writes are refused during an action preview (SDX3015). Fields must be
 * declared in the manifest's `memory.fields` with the op's kind (else SDX3002), and items are
 * validated against the field's `itemSchema`. See memory/*.ts for the semantics of each kind.
 *
 * `agent.trace` appends a `debug` record to the trail when the manifest has `agent.trail` at
 * `debug` or `trace` level, and is a no-op otherwise; it never fails the guest for a full disk.
 */
import type { OpContext, OpHandlers } from "./context.js";
import { requireNotPreview } from "./access.js";
import { AssociativeStore } from "../core/memory/associative.js";
import { resolveField } from "../core/memory/fields.js";
import { memoryStore } from "../core/memory/store.js";
import { TemporalStore } from "../core/memory/temporal.js";
import { WorkingStore } from "../core/memory/working.js";
import { appendTrail, TRACE_LEVEL, trailLevelOf } from "../core/memory/trail.js";

const temporal = (ctx: OpContext, field: string) =>
  new TemporalStore(memoryStore(ctx.library), ctx.extensionId, resolveField(ctx.manifest, field, "temporal"));
const associative = (ctx: OpContext, field: string) =>
  new AssociativeStore(memoryStore(ctx.library), ctx.extensionId, resolveField(ctx.manifest, field, "associative"));
const working = (ctx: OpContext, field: string) =>
  new WorkingStore(memoryStore(ctx.library), ctx.extensionId, resolveField(ctx.manifest, field, "working"));

export const memoryOps: OpHandlers = {
  "memory.temporal.append": (ctx, request) => {
    requireNotPreview(ctx, "memory.temporal.append");
    temporal(ctx, request.field).append(request.event, request.at);
    return null;
  },
  "memory.temporal.query": (ctx, request) => ({
    events: temporal(ctx, request.field).query({ from: request.from, to: request.to, where: request.where, limit: request.limit }),
  }),

  "memory.assoc.remember": (ctx, request) => {
    requireNotPreview(ctx, "memory.assoc.remember");
    return { id: associative(ctx, request.field).remember(request.vector, request.payload) };
  },
  "memory.assoc.query": (ctx, request) => ({ results: associative(ctx, request.field).query(request.vector, request.k) }),
  "memory.assoc.link": (ctx, request) => {
    requireNotPreview(ctx, "memory.assoc.link");
    associative(ctx, request.field).link(request.from, request.to, request.weight);
    return null;
  },
  "memory.assoc.neighbours": (ctx, request) => ({ results: associative(ctx, request.field).neighbours(request.id) }),

  "memory.working.get": (ctx, request) => ({ value: working(ctx, request.field).get() }),
  "memory.working.set": (ctx, request) => {
    requireNotPreview(ctx, "memory.working.set");
    working(ctx, request.field).set(request.value);
    return null;
  },
  "memory.working.clear": (ctx, request) => {
    requireNotPreview(ctx, "memory.working.clear");
    working(ctx, request.field).clear();
    return null;
  },
};

/** The agent's trail: one file per extension, appended to on the host's thread only (rotation is not safe across threads). */
export const trailOps: OpHandlers = {
  "agent.trace": (ctx, request) => {
    const threshold = trailLevelOf(ctx.manifest);
    if (threshold === null) return null;
    try {
      appendTrail(ctx.library.dir, ctx.extensionId, threshold, TRACE_LEVEL, request.message, request.data);
    } catch {
      // The trail is best-effort debug output: an unwritable log must not change what the agent does.
    }
    return null;
  },
};
