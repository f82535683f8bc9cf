// Agent hooks: how long from indexing a new file to its hook running. Runs the agent test
// extension (test/fixtures/agent-extension, built with `sdx build`) in the built host (packages/*/dist).
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Host } from "../../packages/host/dist/index.js";
import { median, ms } from "./util.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = join(root, "test/fixtures/agent-extension");
const EXT = "org.sdx.agenttest";

function build(work) {
  const project = join(work, "project");
  cpSync(fixture, project, { recursive: true });
  const result = spawnSync(process.execPath, [join(root, "packages/cli/bin/sdx.js"), "--json", "build", project], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`sdx build failed: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout).bundlePath;
}

const p95 = (values) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)];

export async function run() {
  const work = mkdtempSync(join(tmpdir(), "sdx-bench-agents-"));
  try {
    const bundle = build(work);
    const invoked = new Map();
    const host = await Host.open({
      libraryDir: join(work, "lib"),
      onLog: (entry) => entry.message.startsWith("onNewEntry ") && invoked.set(entry.message.slice("onNewEntry ".length), performance.now()),
    });
    await host.install(new Uint8Array(readFileSync(bundle)), { grants: [{ permission: 0, scope: [] }, { permission: 1, scope: [] }] });

    // One new file per round, in a folder of its own (so each index run walks one file).
    const ROUNDS = 40;
    const total = [];
    const afterEvent = [];
    for (let i = -3; i < ROUNDS; i++) {
      const dir = join(work, "files", `r${i + 3}`);
      const name = `one-${i + 3}.txt`;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, name), `file ${i}`);
      const started = performance.now();
      await host.index(dir, { media: false });
      const recorded = performance.now();
      await host.idle();
      const at = invoked.get(name);
      if (at === undefined) throw new Error(`the hook never saw ${name}`);
      if (i < 0) continue; // warm-up: the hook VM starts on the first delivery
      total.push(at - started);
      afterEvent.push(at - recorded);
    }

    // A burst: many new files in one index run, every hook delivered.
    const BURST = 200;
    const burstDir = join(work, "files", "burst");
    mkdirSync(burstDir, { recursive: true });
    for (let i = 0; i < BURST; i++) writeFileSync(join(burstDir, `burst-${i}.txt`), `burst ${i}`);
    const burstStart = performance.now();
    const summary = await host.index(burstDir, { media: false });
    const burstIndexed = performance.now();
    await host.idle();
    const burstEnd = performance.now();
    const delivered = host.agentEvents({ extensionId: EXT, type: "entry_indexed", state: "delivered" }).length;
    await host.close();
    if (summary.hookDeliveries !== BURST) throw new Error(`expected ${BURST} deliveries, got ${summary.hookDeliveries}`);

    return {
      title: "Agent hooks",
      description: "The agent test extension (test/fixtures/agent-extension) in the built host: `onNewEntry` logs the entry's name " +
        "first thing (the clock stops when the host receives that log line), then appends it to a TemporalMemory. Each round " +
        "indexes a folder with one new file (no media step); the event is recorded in jobs.db when `host.index` returns.",
      header: ["measure", "median", "p95", "detail"],
      rows: [
        ["index a new file → hook invoked", ms(median(total)), ms(p95(total)), `${ROUNDS} rounds: walk + hash + commit + event recorded + delivery claimed + hook running`],
        ["event recorded → hook invoked", ms(median(afterEvent)), ms(p95(afterEvent)), "from `host.index` returning (event durable in jobs.db) to the hook running in the sandbox"],
        [`burst: ${BURST} new files → all hooks done`, ms(burstEnd - burstIndexed), "", `${((burstEnd - burstIndexed) / BURST).toFixed(2)} ms per delivery (claim, invoke, memory append, mark delivered), after indexing them in ${ms(burstIndexed - burstStart)}; ${delivered} deliveries delivered in total`],
      ],
      notes: "Deliveries of one extension run one at a time in its hook instance; a schedule tick (every 1 s in this extension) may share a round.",
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
