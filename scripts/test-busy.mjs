#!/usr/bin/env node
// `npm run test:busy`: runs the README's test command (`npm test`) while scripts/load.mjs keeps
// two processes spinning (one per core of a 2-core machine), and prints how long it took and the
// load averages seen meanwhile. Exits with the status of `npm test`.
//
//   npm run test:busy [-- --processes N] [-- <arguments for vitest>]
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { clearInterval, setInterval } from "node:timers";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const args = process.argv.slice(2);
let processes = "2";
const at = args.indexOf("--processes");
if (at >= 0) [, processes] = args.splice(at, 2);

const load = spawn(process.execPath, [fileURLToPath(new URL("./load.mjs", import.meta.url)), "--processes", processes], { stdio: ["ignore", "pipe", "inherit"] });
// Started once the spinners report their pids.
await new Promise((resolve, reject) => {
  load.stdout.once("data", resolve);
  load.once("exit", (code) => reject(new Error(`the load generator exited (${code}) before it started`)));
});
const stopLoad = () => load.kill("SIGTERM");
process.on("exit", stopLoad);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

const samples = [];
const sample = () => samples.push(loadavg()[0]);
sample();
const sampler = setInterval(sample, 10_000);
const started = Date.now();
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const test = spawn(npm, ["test", ...(args.length > 0 ? ["--", ...args] : [])], { cwd: root, stdio: "inherit" });
const status = await new Promise((resolve) => test.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
clearInterval(sampler);
sample();
stopLoad();

const seconds = Math.round((Date.now() - started) / 1000);
const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
const [one, five, fifteen] = loadavg().map((v) => v.toFixed(2));
console.log(
  `\nnpm test with ${processes} busy process(es): ${status === 0 ? "passed" : `FAILED (exit ${status})`} in ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s; ` +
  `1-min load average ${samples[0].toFixed(2)} at start, mean ${mean.toFixed(2)}, max ${Math.max(...samples).toFixed(2)}; now ${one} ${five} ${fifteen}`,
);
process.exit(status);
