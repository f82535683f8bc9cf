#!/usr/bin/env node
/**
 * Sandbox benchmarks (run after `npm run build`): cold start of an extension (QuickJS module +
 * verify a ~200 KB bundle + evaluate it + first invocation) and host-call throughput, sync and
 * async (sequential awaits and concurrent batches), through the raw ABI and through the real
 * dispatcher with a guest-side codec. Prints one JSON object on stdout.
 */
import { QuickJSSandbox, createDispatcher, createEnvOps, deviceOps, ExtensionLogs } from "../dist/index.js";
import { readBundle, writeBundle } from "@sdx/bundle-format";

const N_SYNC = 100_000;
const N_ASYNC = 100_000;

/** ~200 KB of guest code shaped like a bundled extension: classes, closures, tables. */
function syntheticGuest(targetBytes = 200_000) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const chunk = `
class Model${i} { constructor(d) { this.id = d.id; this.words = d.words ?? 0; this.tags = [...(d.tags ?? [])]; }
  score(q) { let s = 0; for (const t of this.tags) s += t.length * ${i % 7}; return s + (q === this.id ? 10 : 0); }
  toJSON() { return { id: this.id, words: this.words, tags: this.tags, kind: "model${i}" }; } }
const table${i} = { name: "entry-${i}", values: [${Array.from({ length: 12 }, (_, k) => (k * 31 + i) % 97).join(", ")}], label: "label for item number ${i} in the synthetic bundle" };
function helper${i}(x, y = ${i}) { return typeof x === "string" ? x.split("").reverse().join("") + y : (x ?? 0) * y + table${i}.values.length; }
`;
    parts.push(chunk);
    size += chunk.length;
  }
  return `(() => {\n${parts.join("")}
const CODEC = { Float32Array, Uint8Array };
function decode(json, buffers) { return JSON.parse(json, (k, v) => v && typeof v === "object" && typeof v.$bin === "number" ? new CODEC[v.type](buffers[v.$bin]) : v); }
function encode(value) { const buffers = []; const json = JSON.stringify(value, (k, v) => ArrayBuffer.isView(v) ? { $bin: buffers.push(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)) - 1, type: v.constructor.name } : v); return { json, buffers }; }
async function call(op, payload) { const m = encode(payload); const r = decode((await __sdx_call(op, m.json, m.buffers)).json, []); if (!r.ok) throw new Error(r.error.message); return r.value; }
const handlers = {
  first() { return new Model0({ id: "a", tags: ["x"] }).score("a"); },
  syncRaw(n) { for (let i = 0; i < n; i++) __sdx_call_sync("log", '{"level":"debug","message":"x"}', []); return n; },
  async asyncSeqRaw(n, op, json) { for (let i = 0; i < n; i++) await __sdx_call(op, json, []); return n; },
  async asyncParRaw(n, width, op, json) { for (let done = 0; done < n; done += width) { const batch = []; for (let j = 0; j < width; j++) batch.push(__sdx_call(op, json, [])); await Promise.all(batch); } return n; },
  async asyncParCodec(n, width) { for (let done = 0; done < n; done += width) { const batch = []; for (let j = 0; j < width; j++) batch.push(call("device.select", { capabilities: ["cpu"], preferLocal: true })); await Promise.all(batch); } return n; },
};
globalThis.__sdx_guest = { protocolVersion: 1, async invoke(json, buffers) {
  const inv = JSON.parse(json);
  return { json: JSON.stringify({ ok: true, value: await handlers[inv.name](...inv.args) }), buffers: [] };
} };
})();`;
}

const manifest = {
  manifestVersion: 1, protocolVersion: 1, id: "org.bench.sandbox", name: "Bench", version: "1.0.0", description: "", minCoreVersion: "2.0.0",
  requiredFeatures: [], permissions: [], settings: [], models: [], jobs: [], tasks: [], actions: [], agent: null, memory: null, aiModels: [],
  prompts: [], kernels: [], hasInit: false, hasUi: false,
};
const guestJs = syntheticGuest();
const bytes = await writeBundle({ manifestJson: JSON.stringify(manifest), guestJs, schemaSql: "", uiManifestJson: null, prompts: {}, assets: {}, kernels: null });

const logs = new ExtensionLogs(null);
const dispatch = createDispatcher({ ...createEnvOps(logs), ...deviceOps });
// The measured op is device.select, which checks the use_devices grant: this bench grants it.
const ctx = { extensionId: manifest.id, manifest, deviceUuid: "bench", jobId: null, phase: "normal", audit() {}, grants: { requireUseDevices() {} } };
const calls = { call: (op, payload) => dispatch(ctx, op, payload), callSync: (op, payload) => dispatch.sync(ctx, op, payload) };
const invocation = (name, args = []) => ({ kind: "job", name, args, context: { extensionId: manifest.id, config: {}, deviceUuid: "bench", jobId: "bench", resumeState: null } });

const echo = { call: async (_op, payload) => ({ ok: true, value: payload }), callSync: (_op, payload) => ({ ok: true, value: payload }) };
const sandbox = new QuickJSSandbox();
async function start() {
  const t0 = performance.now();
  const bundle = await readBundle(bytes);
  const t1 = performance.now();
  const instance = sandbox.createInstance({ name: manifest.id, guestJs: bundle.guestJs, calls });
  const result = await instance.invoke(invocation("first"));
  const t2 = performance.now();
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return { instance, verifyMs: t1 - t0, startAndFirstInvokeMs: t2 - t1, evaluateMs: instance.stats.lastStartMs, totalMs: t2 - t0 };
}

const round = (n, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const cold = await start();
const warm = [];
for (let i = 0; i < 5; i++) {
  const s = await start();
  warm.push(s);
  s.instance.dispose();
}
warm.sort((a, b) => a.totalMs - b.totalMs);
const median = warm[2];

async function rate(name, args, n, options) {
  const t = performance.now();
  const r = await cold.instance.invoke(invocation(name, args), options);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return Math.round(n / ((performance.now() - t) / 1000));
}
const SELECT = ["device.select", '{"capabilities":["cpu"],"preferLocal":true}'];
const ENCODE = ["text.encode", '{"text":"x"}'];
await rate("asyncParRaw", [10_000, 100, ...SELECT], 10_000); // warm up the JITs
const sandboxOnly = {
  syncCallsPerSec: await rate("syncRaw", [N_SYNC], N_SYNC, { calls: echo }),
  asyncSequentialCallsPerSec: await rate("asyncSeqRaw", [N_ASYNC, "echo", "{}"], N_ASYNC, { calls: echo }),
  asyncConcurrentCallsPerSec: await rate("asyncParRaw", [N_ASYNC, 100, "echo", "{}"], N_ASYNC, { calls: echo }),
};
const throughDispatcher = {
  syncCallsPerSec: await rate("syncRaw", [N_SYNC], N_SYNC),
  asyncSequentialCallsPerSec: await rate("asyncSeqRaw", [N_ASYNC, ...SELECT], N_ASYNC),
  asyncConcurrentCallsPerSec: await rate("asyncParRaw", [N_ASYNC, 100, ...SELECT], N_ASYNC),
  asyncConcurrentBinaryReplyCallsPerSec: await rate("asyncParRaw", [N_ASYNC, 100, ...ENCODE], N_ASYNC),
  asyncConcurrentWithGuestCodecCallsPerSec: await rate("asyncParCodec", [N_ASYNC / 2, 100], N_ASYNC / 2),
};
cold.instance.dispose();

console.log(JSON.stringify({
  bundleBytes: bytes.length,
  guestJsBytes: guestJs.length,
  coldStart: { firstInProcessMs: round(cold.totalMs), verifyMs: round(cold.verifyMs), vmStartAndEvaluateMs: round(cold.evaluateMs), firstInvokeMs: round(cold.startAndFirstInvokeMs - cold.evaluateMs) },
  warmStart: { medianMs: round(median.totalMs), verifyMs: round(median.verifyMs), vmStartAndEvaluateMs: round(median.evaluateMs), firstInvokeMs: round(median.startAndFirstInvokeMs - median.evaluateMs) },
  hostCalls: {
    sandboxOnly,
    throughDispatcher,
    note: "sandboxOnly: raw ABI, host answers with an echo; throughDispatcher: zod-validated log (sync), device.select and text.encode (binary reply); WithGuestCodec adds a JSON-replacer codec in the guest. Concurrent = batches of 100 awaited with Promise.all.",
  },
}, null, 2));
