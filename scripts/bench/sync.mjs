// Issue 16: sync between two local hosts. Two real libraries, each with its SyncNode (the peer
// server `sdx serve` runs) on loopback, paired with a token, signed requests. N shared models are
// created on A through the library ops (what a guest's ctx.vdfs().createModel does), then B pulls
// them all: changes/s and bytes on the wire per change (request and answer bodies as
// framed). Then a partition: both sides make P/2 changes each (new models and edits of synced ones)
// without talking, and one sync in each direction must bring them to the same bytes: the time to
// converge. Env: BENCH_SYNC_N (default 100000), BENCH_SYNC_PARTITION (10000).
// Needs the built dist/ (`npx tsc -b tsconfig.build.json`).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { readBundle, writeBundle } from "../../packages/bundle-format/dist/index.js";
import { PROTOCOL_VERSION } from "../../packages/sdk/dist/protocol.js";
import { Library } from "../../packages/host/dist/store/library.js";
import { installExtension } from "../../packages/host/dist/extensions/install.js";
import { createLibraryOpContext } from "../../packages/host/dist/ops/library-context.js";
import { createDispatcher } from "../../packages/host/dist/ops/dispatch.js";
import { libraryOps } from "../../packages/host/dist/ops/library-ops.js";
import { SyncNode } from "../../packages/host/dist/sync/node.js";

const N = Number(process.env.BENCH_SYNC_N ?? 100_000);
const PARTITION = Number(process.env.BENCH_SYNC_PARTITION ?? 10_000);
const ID = "org.bench.sync";

const manifest = {
  manifestVersion: 1, protocolVersion: PROTOCOL_VERSION, id: ID, name: "Sync Bench", version: "1.0.0",
  description: "Benchmarks sync.", minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [], settings: [],
  models: [{
    name: "Item", className: "Item", version: "1.0.0", scope: "standalone", sync: "shared",
    schema: { type: "object", properties: { n: { type: "number" }, label: { type: "string" } }, required: ["n"], additionalProperties: false },
    blobFields: [],
  }],
  jobs: [], tasks: [], actions: [], agent: null, memory: null, aiModels: [], prompts: [], kernels: [], hasInit: false, hasUi: false,
};

const dispatch = createDispatcher(libraryOps);
async function call(ctx, op, request) {
  const result = await dispatch(ctx, op, request);
  if (!result.ok) throw new Error(`${op}: ${result.error.code} ${result.error.message}`);
  return result.value;
}

/** Shared models as bytes, for "converged to the same bytes". */
function snapshot(library) {
  const hash = createHash("sha256");
  for (const row of library.db.prepare("SELECT hex(uuid) AS u, data FROM models WHERE sync_strategy = 1 ORDER BY uuid").iterate()) hash.update(`${row.u}=${row.data}\n`);
  return hash.digest("hex");
}

export async function run() {
  const dirs = [];
  const temp = (prefix) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  const bundle = await readBundle(await writeBundle({ manifestJson: JSON.stringify(manifest), guestJs: "", schemaSql: "", uiManifestJson: null, prompts: {}, assets: {}, kernels: null }));
  const device = () => {
    const library = Library.open(temp("sdx-bench-sync-"));
    installExtension(library, bundle, { grants: [] });
    const node = new SyncNode({ library, modelsDir: temp("sdx-bench-models-") });
    return { library, node, ctx: createLibraryOpContext(library, ID) };
  };
  const a = device();
  const b = device();
  try {
    const url = await a.node.listen(0);
    await b.node.pair(url, a.node.pairingToken().token);

    const uuids = [];
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const { uuid } = await call(a.ctx, "models.create", { modelType: "Item", scope: { standalone: true }, data: { n: i, label: `item ${i}` }, blobs: {} });
      uuids.push(uuid);
    }
    const writeMs = performance.now() - t0;

    const t1 = performance.now();
    const first = await b.node.syncWith(a.library.deviceUuid);
    const syncMs = performance.now() - t1;
    if (first.pulled.applied < N) throw new Error(`only ${first.pulled.applied} of ${N} changes applied`);
    if (snapshot(a.library) !== snapshot(b.library)) throw new Error("not converged after the first sync");

    // The partition: half the changes on each side, new models and edits of synced ones (some the same ones).
    const half = PARTITION / 2;
    for (let i = 0; i < half; i++) {
      if (i % 2 === 0) await call(a.ctx, "models.create", { modelType: "Item", scope: { standalone: true }, data: { n: -i }, blobs: {} });
      else await call(a.ctx, "models.update", { modelType: "Item", uuid: uuids[i], data: { n: i, label: `a ${i}` }, blobs: {} });
      if (i % 2 === 0) await call(b.ctx, "models.create", { modelType: "Item", scope: { standalone: true }, data: { n: -i - 1 }, blobs: {} });
      else await call(b.ctx, "models.update", { modelType: "Item", uuid: uuids[i + (i % 4 === 1 ? 0 : 1)], data: { n: i, label: `b ${i}` }, blobs: {} });
    }
    const t2 = performance.now();
    const rejoin = await b.node.syncWith(a.library.deviceUuid);
    const convergeMs = performance.now() - t2;
    const converged = snapshot(a.library) === snapshot(b.library);
    if (!converged) throw new Error("not converged after the partition");

    const perChange = first.bytes / first.pulled.applied;
    return {
      title: "Sync between two local hosts (issue 16)",
      description: `\`node scripts/bench.mjs sync\`. Two libraries with their peer servers on loopback (signed HTTP requests, batches of 500), both in one Node process (so one event loop serves A and applies on B); ${N.toLocaleString("en")} shared models created on A through the library ops, then pulled by B; then a ${PARTITION.toLocaleString("en")}-change partition (half on each side: new models and edits, some of the same models) healed by one sync in each direction.`,
      header: ["measure", "value"],
      rows: [
        ["changes made on A (models.create)", `${Math.round(N / (writeMs / 1000)).toLocaleString("en")} changes/s`],
        [`sync of ${N.toLocaleString("en")} changes A → B`, `${(syncMs / 1000).toFixed(1)} s, ${Math.round(first.pulled.applied / (syncMs / 1000)).toLocaleString("en")} changes/s`],
        ["bytes on the wire per change", `${Math.round(perChange)} B (${(first.bytes / 1e6).toFixed(1)} MB in ${first.pulled.batches} batches)`],
        [`converge after a ${PARTITION.toLocaleString("en")}-change partition`, `${Math.round(convergeMs)} ms (${rejoin.pulled.applied} pulled, ${rejoin.pushed.applied} pushed)`],
      ],
      notes: "Bytes counted by the client: request and answer bodies as framed on the wire (gzip), both directions (HTTP headers not counted: about 400 B per request, one request per batch). Converged means the shared models of both libraries are the same bytes (checked). Edits of one model made during the partition travel as its latest state, so fewer records than changes cross.",
    };
  } finally {
    await a.node.close();
    await b.node.close();
    a.library.close();
    b.library.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const section = await run();
  console.log(section.title);
  for (const row of section.rows) console.log(`  ${row.join(" | ")}`);
}
