#!/usr/bin/env node
// A load generator: keeps N processes spinning on the CPU (default 2, one per core of the
// 2-core machines sdx is tested on) until it is killed or for --seconds, so the test suite can be
// shown to pass on a busy machine (scripts/test-busy.mjs).
//
//   node scripts/load.mjs [--processes N] [--seconds S]
//
// Prints one JSON line when the spinners run ({"load":{"processes":N,"pids":[…]}}) and stops them
// on SIGINT, SIGTERM, at the end of --seconds, or when its parent goes away.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { setImmediate, setTimeout } from "node:timers";
import { parseArgs } from "node:util";

if (process.argv[2] === "--spin") {
  // The child: pure CPU, no allocation, until killed (or orphaned: its parent's IPC channel closes).
  process.on("disconnect", () => process.exit(0));
  let x = 0;
  for (;;) {
    for (let i = 0; i < 1e7; i++) x = (x * 31 + i) % 1000003;
    // Give the IPC channel a turn, so a dead parent is noticed.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const { values } = parseArgs({
  options: { processes: { type: "string", default: "2" }, seconds: { type: "string" } },
});
const count = Number(values.processes);
const seconds = values.seconds === undefined ? null : Number(values.seconds);
if (!Number.isInteger(count) || count < 1 || (seconds !== null && !(seconds > 0))) {
  console.error("usage: node scripts/load.mjs [--processes N (≥ 1)] [--seconds S (> 0)]");
  process.exit(2);
}

const self = fileURLToPath(import.meta.url);
const spinners = Array.from({ length: count }, () => fork(self, ["--spin"], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
console.log(JSON.stringify({ load: { processes: count, pids: spinners.map((s) => s.pid) } }));

function stop() {
  for (const spinner of spinners) spinner.kill("SIGKILL");
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
if (seconds !== null) setTimeout(stop, seconds * 1000);
