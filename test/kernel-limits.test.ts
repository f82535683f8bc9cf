/**
 * Kernels under the guest's limits, end to end: an extension built with the real `sdx build`
 * (AssemblyScript kernels compiled into the bundle), installed and run through the real CLI. A task
 * whose kernel never returns fails at the task's deadline with SDX3003, the job that ran it goes on,
 * and the extension's kernels work again afterwards.
 */
import { mkdirSync, writeFileSync, cpSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { sdxJson, tempDir } from "./helpers/cli.js";

const ID = "org.test.kernels";
const SOURCE = `
import { extension, job, task, type JobContext, type TaskContext } from "@sdx/sdk";

@extension({ id: "${ID}", name: "Kernel limits", version: "1.0.0", description: "Kernels that misbehave.", minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [] })
export class KernelLimits {
  @task({ timeoutMs: 1500, retries: 0 })
  async spinTask(ctx: TaskContext): Promise<number> {
    return ctx.kernel<number>("spin", 1);
  }

  @job()
  async spin(ctx: JobContext): Promise<string> {
    try {
      await ctx.run(this.spinTask);
      return "returned";
    } catch (error) {
      return \`\${(error as { code?: string }).code}: \${(error as Error).message}\`;
    }
  }

  @job()
  async add(ctx: JobContext): Promise<number> {
    return ctx.kernel<number>("add", 20, 22);
  }
}
`;
const KERNELS = `
export function add(a: i32, b: i32): i32 { return a + b; }
export function spin(n: i32): i32 { let s = 0; while (n > 0) { s += n; } return s; }
`;

describe("kernels under the guest's limits (sdx build → install → run)", () => {
  const work = tempDir("sdx-kernels-");
  const library = join(work, "library");
  beforeAll(() => {
    const project = join(work, "ext");
    mkdirSync(join(project, "src"), { recursive: true });
    mkdirSync(join(project, "kernels"), { recursive: true });
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "kernel-limits", version: "1.0.0", private: true, type: "module" }));
    cpSync(fileURLToPath(new URL("../examples/photos/tsconfig.json", import.meta.url)), join(project, "tsconfig.json"));
    writeFileSync(join(project, "src/index.ts"), SOURCE);
    writeFileSync(join(project, "kernels/limits.ts"), KERNELS);
    const build = sdxJson<{ bundlePath: string }>(["build", project]);
    expect(build.status, build.stderr).toBe(0);
    expect(sdxJson(["install", build.json.bundlePath, "--library", library, "--yes"]).status).toBe(0);
  }, 120_000);

  it("a kernel that never returns fails its task at the deadline (SDX3003); the job and later kernel calls go on", () => {
    const spun = sdxJson<{ state: string; result: string }>(["run", ID, "spin", "--library", library]);
    expect(spun.json.state).toBe("completed");
    expect(spun.json.result).toMatch(/^SDX3003: task spinTask failed .*time limit.*deadline 1500 ms/);
    const added = sdxJson<{ state: string; result: number }>(["run", ID, "add", "--library", library]);
    expect(added.json).toMatchObject({ state: "completed", result: 42 });
  }, 120_000);
});
