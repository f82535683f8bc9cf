/**
 * `sdx init <dir>`: a working extension project that builds and tests as created, anywhere on
 * disk: its package.json depends on this installation's packages (installation.ts), so
 * `npm install && npm run build && npm test` needs no package registry for sdx's own packages.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EXTENSION_ID_PATTERN } from "@sdx/sdk/manifest";
import { UserError } from "../errors.js";
import type { CommandResult } from "../output.js";
import { linkedDependencies, tarballDependencies, VITEST_VERSION } from "./installation.js";

const TEMPLATE_DIR = fileURLToPath(new URL("../../templates/extension", import.meta.url));

function templateFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? templateFiles(join(dir, d.name)) : [join(dir, d.name)],
  );
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "extension";
}

export async function init(dir: string, options: { id?: string; name?: string; packages?: string }): Promise<CommandResult<{ dir: string; id: string; files: string[]; devDependencies: Record<string, string> }>> {
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new UserError(`${target} is not empty; choose a new directory`);
  }
  const base = slug(basename(target));
  const id = options.id ?? `org.example.${base.replace(/^[^a-z]+/, "") || "extension"}`;
  if (!EXTENSION_ID_PATTERN.test(id)) {
    throw new UserError(`"${id}" is not a valid extension id; use a lower-case reverse-DNS id such as com.example.notes (--id)`, "SDX1003");
  }
  const name = options.name ?? base.split("-").map((w) => w[0]!.toUpperCase() + w.slice(1)).join(" ");
  const className = name.replace(/[^A-Za-z0-9]+/g, " ").trim().split(" ").map((w) => w[0]!.toUpperCase() + w.slice(1)).join("").replace(/^[^A-Za-z]+/, "") || "Extension";
  const values: Record<string, string> = { id, name, className, packageName: base };
  // Before writing anything: a missing installation fails with nothing created.
  const devDependencies = { ...(options.packages ? tarballDependencies(options.packages) : linkedDependencies()), vitest: VITEST_VERSION };
  const files: string[] = [];
  for (const source of templateFiles(TEMPLATE_DIR)) {
    let rel = relative(TEMPLATE_DIR, source).replace(/\.tmpl$/, "");
    if (rel === "gitignore") rel = ".gitignore"; // npm drops .gitignore files from published packages
    const text = readFileSync(source, "utf8");
    let out = source.endsWith(".tmpl") ? text.replace(/\{\{(id|name|className|packageName)\}\}/g, (_, key: string) => values[key]!) : text;
    if (rel === "package.json") {
      // From tarballs npm installs the host's native dependencies itself: their install scripts must run.
      const allowScripts = options.packages ? { allowScripts: { "better-sqlite3": true, esbuild: true, "onnxruntime-node": true } } : {};
      out = `${JSON.stringify({ ...(JSON.parse(out) as object), devDependencies, ...allowScripts }, null, 2)}\n`;
    }
    const path = join(target, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, out);
    files.push(rel);
  }
  if (options.packages) {
    // onnxruntime-node's install script would download GPU binaries from nuget.org; the CPU build it ships is what the host uses.
    writeFileSync(join(target, ".npmrc"), "onnxruntime-node-install=skip\n");
    files.push(".npmrc");
  }
  files.sort();
  return {
    data: { dir: target, id, files, devDependencies },
    human: [
      `Created ${name} (${id}) in ${target}`,
      ...files.map((f) => `  ${f}`),
      "",
      "Next:",
      `  cd ${relative(process.cwd(), target) || "."}`,
      "  npm install      # links sdx's packages from this installation, installs vitest",
      "  npm run build    # sdx build",
      "  npm test",
      `  npx sdx run dist/${id}-0.1.0.sdx.wasm countAll --library ./library --param location=<folder with .txt files>`,
    ].join("\n"),
  };
}
