/** Test support: extensions with memory fields installed in a temp library, ops called over the wire codec. */
import type { Manifest, ManifestMemoryField } from "@sdx/sdk/manifest";
import { decodeMessage, encodeMessage, type OpName, type OpRequest, type OpResponse, type WireResult } from "@sdx/sdk/protocol";
import { createDispatcher } from "../../../ops/dispatch.js";
import { memoryOps, trailOps } from "../../../ops/memory.js";
import type { OpContext } from "../../../ops/context.js";
import { installTest } from "../../../store/__tests__/fixture.js";
import type { Library } from "../../../store/library.js";

export const memoryFields: ManifestMemoryField[] = [
  {
    name: "events", kind: "temporal", sync: "shared",
    itemSchema: {
      type: "object",
      properties: { kind: { type: "string" }, score: { type: "number" }, ok: { type: "boolean" }, tags: { type: "array", items: { type: "string" } }, note: { type: ["string", "null"] } },
      required: ["kind"],
    },
  },
  { name: "loose", kind: "temporal", sync: "device_owned", itemSchema: {} },
  {
    name: "faces", kind: "associative", sync: "device_owned",
    itemSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
  },
  { name: "topics", kind: "associative", sync: "shared", itemSchema: {} },
  {
    name: "plan", kind: "working", sync: "shared",
    itemSchema: { type: "object", properties: { step: { type: "integer", minimum: 0 }, goal: { type: "string" } }, required: ["step"], additionalProperties: false },
  },
];

export function memoryManifest(level: "trace" | "debug" | "info" | null = "debug"): Partial<Manifest> {
  return {
    agent: { hooks: [], trail: level === null ? null : { level, format: "jsonl" } },
    memory: { className: "Mind", fields: memoryFields },
  };
}

export function installAgent(library: Library, id = "org.example.agent", level: "trace" | "debug" | "info" | null = "debug"): Promise<OpContext> {
  return installTest(library, [], { id, manifest: memoryManifest(level) });
}

const dispatch = createDispatcher({ ...memoryOps, ...trailOps });

/** Runs an op as the runtime would: the request and the reply both cross the wire codec. */
export async function wire<O extends OpName>(ctx: OpContext, op: O, request: OpRequest<O>): Promise<WireResult<OpResponse<O>>> {
  const result = await dispatch(ctx, op, decodeMessage(encodeMessage(request)));
  return decodeMessage(encodeMessage(result)) as WireResult<OpResponse<O>>;
}

/** Like `wire`, but returns the value and throws on a failure. */
export async function call<O extends OpName>(ctx: OpContext, op: O, request: OpRequest<O>): Promise<OpResponse<O>> {
  const result = await wire(ctx, op, request);
  if (!result.ok) throw new Error(`${op} failed: ${result.error.code} ${result.error.message}`);
  return result.value;
}

/** A seeded random vector (uniform in [-1, 1)). */
export function randomVector(seed: number, d: number): Float32Array<ArrayBuffer> {
  let s = (seed * 2654435761) >>> 0 || 1;
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 31 - 1;
  }
  return v;
}

/** Exact cosine distances in float64: the brute-force reference. */
export function bruteForce(vectors: Float32Array[], query: Float32Array, k: number): Array<{ index: number; distance: number }> {
  let qn = 0;
  for (let i = 0; i < query.length; i++) qn += query[i] * query[i];
  const scored = vectors.map((v, index) => {
    let dot = 0;
    let vn = 0;
    for (let i = 0; i < v.length; i++) {
      dot += v[i] * query[i];
      vn += v[i] * v[i];
    }
    return { index, distance: 1 - dot / Math.sqrt(qn * vn) };
  });
  scored.sort((a, b) => a.distance - b.distance || a.index - b.index);
  return scored.slice(0, k);
}
