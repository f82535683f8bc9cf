/**
 * docs/getting-started.md, run as written: every ```sh block, in order, in one bash session that
 * starts in the repository (as the page says) with only the system PATH, and a temporary HOME
 * (the page writes ~/.sdx/author.key). A command marked `# runs until Ctrl-C` (sdx dev) is
 * started, waited for until it prints that it is watching, then interrupted: it must exit 0. It
 * runs as the project's own `node_modules/.bin/sdx` (what `npx sdx` runs), since npm exec does not
 * pass Ctrl-C on to its child.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "./helpers/cli.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const page = readFileSync(join(repo, "docs", "getting-started.md"), "utf8");
const UNTIL_CTRL_C = "# runs until Ctrl-C";

/** A long-running command: started, read until its "watching" line (through a FIFO), then Ctrl-C. */
function untilWatching(command: string, n: number): string {
  const fifo = `"$SDX_DOC_TMP/long-${n}"`;
  return [
    `mkfifo ${fifo}`,
    `${command.replace(UNTIL_CTRL_C, "").trim().replace(/^npx sdx /, "./node_modules/.bin/sdx ")} 2> ${fifo} &`,
    "long_pid=$!",
    `exec 3< ${fifo}`,
    `while IFS= read -r line <&3; do echo "$line" >&2; case "$line" in *"watching "*) break;; esac; done`,
    `kill -INT "$long_pid"`,
    `wait "$long_pid"`,
    "exec 3<&-",
  ].join("\n");
}

function script(): { text: string; blocks: number } {
  const blocks = [...page.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  let n = 0;
  const body = blocks.map((block, i) => {
    const lines = block.split("\n").filter((l) => l.trim() !== "").map((l) => (l.includes(UNTIL_CTRL_C) ? untilWatching(l, n++) : l));
    return `${lines.join("\n")}\necho "::block ${i + 1} done"`;
  });
  return { text: ["set -euo pipefail", ...body].join("\n"), blocks: blocks.length };
}

describe("docs/getting-started.md", () => {
  it("every command on the page works on a fresh project, in order", { timeout: 900_000 }, async () => {
    const { text, blocks } = script();
    expect(blocks).toBeGreaterThanOrEqual(6);
    const home = tempDir("sdx-doc-home-");
    const env: Record<string, string | undefined> = {
      ...process.env,
      HOME: home,
      SDX_DOC_TMP: tempDir("sdx-doc-"),
      npm_config_cache: process.env.npm_config_cache ?? join(homedir(), ".npm"), // the real npm cache, not the empty HOME's
      PATH: (process.env.PATH ?? "").split(":").filter((p) => !p.startsWith(repo)).join(":"),
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    };
    for (const key of Object.keys(env)) if ((key.startsWith("npm_") && key !== "npm_config_cache") || key === "INIT_CWD" || key.startsWith("VITEST")) delete env[key];
    const { status, output } = await new Promise<{ status: number; output: string }>((resolve, reject) => {
      const child = spawn("bash", ["-c", text], { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ status: code ?? -1, output }));
    });
    expect(status, output).toBe(0);
    for (let i = 1; i <= blocks; i++) expect(output).toContain(`::block ${i} done`);
    expect(output).toContain("Created Word Counter (org.example.word-counter)");
    expect(output).toMatch(/✔ built dist\/org\.example\.word-counter-0\.1\.0\.sdx\.wasm/);
    expect(output).toMatch(/✔ org\.example\.word-counter\.countAll completed/);
    expect(output).toMatch(/Tests\s+\d+ passed/);
    expect(output).toMatch(/✔ countAll completed/); // sdx dev ran the job before it watched
    expect(output).toMatch(/signed by sha256:/);
  });
});
