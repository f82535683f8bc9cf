/**
 * The guest globals exist before any author module runs: a module's top-level code (evaluated
 * when the host loads the bundle, before `startGuest`) can use `TextEncoder`, `URL`… Built with the
 * real `sdx build` and run by `sdx run` in the QuickJS sandbox.
 */
import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sdxJson, tempDir } from "./helpers/cli.js";

const CONSTANTS = `
// Top level of a module the entry imports: runs while the bundle is evaluated.
export const encoded = new TextEncoder().encode("héllo");
export const url = new URL("https://a.b/c");
export const query = new URLSearchParams("x=1&y=2").get("y");
export const decoded = new TextDecoder().decode(encoded);
`;

const INDEX = `
import { extension, job, type JobContext } from "@sdx/sdk";
import { decoded, encoded, query, url } from "./constants.js";

const inEntry = new URL("../d?e=f", url).href;

@extension({ id: "org.example.top-level", name: "Top level", version: "0.1.0", description: "", minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [] })
export class TopLevel {
  @job()
  async report(ctx: JobContext): Promise<void> {
    console.log(\`bytes=\${encoded.length} host=\${url.host} path=\${url.pathname} y=\${query} text=\${decoded} entry=\${inEntry}\`);
  }
}
`;

describe("author modules evaluated with the guest globals in place", () => {
  it("a top-level new TextEncoder() / new URL() works in a built bundle run in QuickJS", async () => {
    const work = tempDir("sdx-top-level-");
    const project = join(work, "top-level");
    mkdirSync(join(project, "src"), { recursive: true });
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "top-level", version: "0.1.0", private: true, type: "module" }));
    writeFileSync(join(project, "src", "constants.ts"), CONSTANTS);
    writeFileSync(join(project, "src", "index.ts"), INDEX);

    const build = await sdxJson<{ ok: boolean; bundlePath: string }>(["build", project]);
    expect(build.status, build.stderr).toBe(0);
    const run = await sdxJson<{ state: string }>(["run", build.json.bundlePath, "report", "--library", join(work, "library")]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.json.state).toBe("completed");
    expect(run.stderr).toContain("bytes=6 host=a.b path=/c y=2 text=héllo entry=https://a.b/d?e=f");
  });
});
