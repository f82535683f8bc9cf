#!/usr/bin/env node
// `npm run bench`: runs every benchmark in scripts/bench/*.mjs side by side in one process run,
// prints the results and rewrites docs/benchmarks.md. Ratios matter more than absolute numbers:
// this machine is shared and noisy, so each comparison runs its two sides interleaved.
import { readdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("./bench/", import.meta.url));
const only = process.argv.slice(2);
const sections = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith(".mjs")).sort()) {
  const name = file.replace(/\.mjs$/, "");
  if (only.length && !only.includes(name)) continue;
  const started = Date.now();
  const loadBefore = loadavg()[0];
  const { run } = await import(new URL(file, `file://${dir}`).href);
  if (typeof run !== "function") continue; // a helper module (util.mjs), not a benchmark
  process.stderr.write(`bench: ${name}…\n`);
  const section = await run();
  section.seconds = Math.round((Date.now() - started) / 100) / 10;
  // The machine is shared: every section says when it ran and how busy the machine was.
  section.ran = `Ran ${new Date(started).toISOString().slice(0, 16).replace("T", " ")} UTC for ${Math.round(section.seconds)} s; load average (1 min) ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.`;
  sections.push(section);
  process.stderr.write(`${section.title}\n${section.rows.map((r) => `  ${r.join(" | ")}`).join("\n")}\n`);
}

/** Every goal the sections measured, met or not, in one table (a section lists them in `goals`). */
function goalsTable(list) {
  const goals = list.flatMap((s) => (s.goals ?? []).map((g) => ({ ...g, section: s.title })));
  if (goals.length === 0) return [];
  return [
    "## Goals at a glance",
    "",
    "Every goal a section below measures, as that run measured it (the sections say when and at what load).",
    "",
    "| measure | goal | measured | met | section |",
    "| --- | --- | --- | --- | --- |",
    ...goals.map((g) => `| ${g.measure} | ${g.goal} | ${g.result} | ${g.met ? "met" : "**not met**"} | ${g.section} |`),
    "",
  ];
}

const md = [
  "# Benchmarks",
  "",
  "Produced by `npm run bench` (scripts/bench.mjs). Each table is one run on this machine",
  `(${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}); compare ratios, not absolute times:`,
  "the two sides of every comparison ran interleaved in the same process run.",
  "",
  ...goalsTable(sections),
  ...sections.flatMap((s) => [
    `## ${s.title}`,
    "",
    ...(s.description ? [s.description, ""] : []),
    `| ${s.header.join(" | ")} |`,
    `| ${s.header.map(() => "---").join(" | ")} |`,
    ...s.rows.map((r) => `| ${r.join(" | ")} |`),
    "",
    ...(s.notes ? [s.notes, ""] : []),
    `_${s.ran}_`,
    "",
  ]),
].join("\n");
if (!only.length) writeFileSync(fileURLToPath(new URL("../docs/benchmarks.md", import.meta.url)), md);
else process.stdout.write(md);
