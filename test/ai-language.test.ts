/**
 * The spec's language-model surface from guest code, end to end: an extension built with the real
 * `sdx build`, installed and run through the real CLI, against a loopback test peer that speaks
 * Ollama's API (llm-peers.ts; nothing leaves the machine). One job picks its model with
 * `ctx.ai().withModel(...)`, renders a bundled template with `promptTemplate(name).render(values)`,
 * and calls `generate`, `embed(text)`, `embed(texts)` and `generateJson` (which asks again when an
 * answer does not fit the schema).
 */
import { mkdirSync, writeFileSync, cpSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peerEmbedding, peerReply, startLlmPeer, type LlmPeer } from "../packages/host/src/core/ai/testing/llm-peers.js";
import { sdxJson, sdxJsonAsync, tempDir } from "./helpers/cli.js";

const ID = "org.test.language";
const SOURCE = `
import { extension, job, Permission, type JobContext } from "@sdx/sdk";

@extension({
  id: "${ID}", name: "Language", version: "1.0.0", description: "Uses a language model.", minCoreVersion: "2.0.0", requiredFeatures: [],
  permissions: [Permission.useModel({ category: "llm", preference: "local" })],
})
export class Language {
  @job()
  async talk(ctx: JobContext, name: string): Promise<unknown> {
    const model = await ctx.ai().withModel({ category: "llm" });
    const prompt = await ctx.ai().promptTemplate("greet").render({ name, topics: ["tags", "faces"] });
    const text = await model.generate(prompt, { maxTokens: 40 });
    const one = await model.embed(prompt);
    const many = await model.embed(["a", prompt]);
    const value = await model.generateJson<{ count: number }>("How many?", { type: "object", properties: { count: { type: "integer" } }, required: ["count"] });
    return { model: model.name, prompt, text, one: Array.from(one), many: many.map((v) => Array.from(v)), value };
  }

  @job()
  async pickVision(ctx: JobContext): Promise<string> {
    try {
      return (await ctx.ai().withModel({ category: "llm", family: "face_detector" })).name;
    } catch (error) {
      return \`\${(error as { code?: string }).code}: \${(error as Error).message}\`;
    }
  }
}
`;

describe("language models from guest code (sdx build → install → run, loopback peer)", () => {
  const work = tempDir("sdx-language-");
  const library = join(work, "library");
  const models = join(work, "models");
  let peer: LlmPeer;

  beforeAll(async () => {
    peer = await startLlmPeer("ollama", ["tiny"]);
    const project = join(work, "ext");
    mkdirSync(join(project, "src"), { recursive: true });
    mkdirSync(join(project, "prompts"), { recursive: true });
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "language", version: "1.0.0", private: true, type: "module" }));
    cpSync(fileURLToPath(new URL("../examples/photos/tsconfig.json", import.meta.url)), join(project, "tsconfig.json"));
    writeFileSync(join(project, "src/index.ts"), SOURCE);
    writeFileSync(join(project, "prompts/greet.jinja"), "Hello {{ name }}, about {{ topics | join(\" and \") }}.");
    const build = sdxJson<{ bundlePath: string }>(["build", project]);
    expect(build.status, build.stderr).toBe(0);
    expect(sdxJson(["--models-dir", models, "install", build.json.bundlePath, "--library", library, "--yes"]).status).toBe(0);
    const added = sdxJson(["--models-dir", models, "models", "add-endpoint", "chatty", "--kind", "ollama", "--url", peer.url, "--model", "tiny", "--category", "llm"]);
    expect(added.status, added.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => peer?.close());

  it("withModel, promptTemplate().render, generate, embed(text), embed(texts) and generateJson with a retry", async () => {
    // The first JSON answer does not fit the schema; the second does.
    peer.scripted = [];
    const prompt = "Hello Ada, about tags and faces.";
    const generateAnswer = peerReply("tiny", prompt, 40);
    peer.scripted.push(generateAnswer, '{"count": "three"}', '{"count": 3}');
    // The peer is in this process: the CLI must not run through a blocking spawnSync.
    const run = await sdxJsonAsync<{ state: string; result: Record<string, unknown>; error: unknown }>(["--models-dir", models, "run", ID, "talk", "--library", library, "--param", "name=Ada"]);
    expect(run.json.state, JSON.stringify(run.json.error)).toBe("completed");
    expect(run.json.result).toEqual({
      model: "chatty",
      prompt,
      text: generateAnswer,
      one: peerEmbedding(prompt),
      many: [peerEmbedding("a"), peerEmbedding(prompt)],
      value: { count: 3 },
    });
    const asked = peer.requests.filter((r) => r.path === "/api/generate").map((r) => String(r.body.prompt));
    expect(asked[0]).toBe(prompt);
    // The retry tells the model what was wrong with its answer.
    expect(asked).toHaveLength(3);
    expect(asked[2]).toContain("count");
    expect(peer.requests.filter((r) => r.path === "/api/embed").map((r) => r.body.input)).toEqual([[prompt], ["a", prompt]]);
  }, 120_000);

  it("withModel says why no model fits (no llm of that family)", async () => {
    const run = await sdxJsonAsync<{ state: string; result: string }>(["--models-dir", models, "run", ID, "pickVision", "--library", library]);
    expect(run.json.state).toBe("completed");
    expect(run.json.result).toMatch(/^SDX3008: .*"llm" model of family face_detector/);
  }, 120_000);
});
