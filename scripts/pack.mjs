// `npm run pack [-- <dir>]`: installable tarballs of every published sdx package (each
// non-private @sdx/* workspace: the packages an extension project installs and all they depend
// on), built first, written to packs/ (or <dir>) with packages.json naming each package's file.
// `sdx init <project> --packages <dir>` makes a project depend on them: no registry needed.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = resolve(process.argv[2] ?? join(root, "packs"));
const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const workspaces = rootPackage.workspaces
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) }))
  .filter(({ pkg }) => !pkg.private && pkg.name.startsWith("@sdx/"));

execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const packed = JSON.parse(
  execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", out, ...workspaces.flatMap(({ dir }) => ["--workspace", dir])], { cwd: root, encoding: "utf8" }),
);
const index = Object.fromEntries(packed.map((p) => [p.name, p.filename]));
writeFileSync(join(out, "packages.json"), `${JSON.stringify(index, null, 2)}\n`);
process.stdout.write(`${Object.keys(index).length} packages in ${out}: ${Object.keys(index).join(", ")}\nuse them: sdx init <project> --packages ${out}\n`);
