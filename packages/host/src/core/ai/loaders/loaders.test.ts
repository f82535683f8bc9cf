import { SdxError } from "@sdx/sdk/errors";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loaderFor } from "./index.js";
import type { EndpointConfig } from "../../../store/ai-catalog.js";
import { peerEmbedding, peerReply, startLlmPeer, type LlmPeer } from "../testing/llm-peers.js";

async function refusal(promise: Promise<unknown>): Promise<SdxError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SdxError);
  return error as SdxError;
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

for (const kind of ["ollama", "openai"] as const) {
  describe(`${kind} loader against a loopback test peer`, () => {
    let peer: LlmPeer;
    const model = kind === "ollama" ? "llama3.2" : "gpt-test";
    const config = (overrides: Partial<EndpointConfig> = {}): EndpointConfig => ({ kind, baseUrl: peer.url, model, timeoutMs: 2000, retries: 2, retryDelayMs: 40, ...overrides });

    beforeAll(async () => {
      peer = await startLlmPeer(kind, [model]);
    });
    afterAll(() => peer.close());

    it("generates, chats and embeds, sending the API's request format", async () => {
      peer.requests.length = 0;
      const loader = loaderFor(config());
      expect(await loader.generate("hello world", { maxTokens: 3, temperature: 0.2 })).toBe(peerReply(model, "hello world", 3));
      const reply = await loader.chat([{ role: "system", content: "be brief" }, { role: "user", content: "how are you" }], {});
      expect(reply).toEqual({ role: "assistant", content: peerReply(model, "how are you") });
      const texts = ["a cat", "the quick brown fox", ""];
      const vectors = await loader.embed(texts);
      expect(vectors.every((v) => v instanceof Float32Array)).toBe(true);
      expect(vectors.map((v) => Array.from(v))).toEqual(texts.map((t) => Array.from(Float32Array.from(peerEmbedding(t)))));
      const [gen] = peer.requests;
      if (kind === "ollama") {
        expect(gen).toMatchObject({ path: "/api/generate", body: { model, prompt: "hello world", stream: false, options: { num_predict: 3, temperature: 0.2 } } });
        expect(peer.requests.map((r) => r.path)).toEqual(["/api/generate", "/api/chat", "/api/embed"]);
      } else {
        expect(gen).toMatchObject({ path: "/v1/chat/completions", body: { model, messages: [{ role: "user", content: "hello world" }], max_tokens: 3, temperature: 0.2 } });
        expect(peer.requests.map((r) => r.path)).toEqual(["/v1/chat/completions", "/v1/chat/completions", "/v1/embeddings"]);
      }
    });

    it("says clearly when the server is down (after retrying)", async () => {
      const port = await deadPort();
      const base = kind === "ollama" ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${port}/v1`;
      const started = Date.now();
      const error = await refusal(loaderFor(config({ baseUrl: base, retries: 1, retryDelayMs: 200 })).generate("hi", {}));
      expect(error.code).toBe("SDX3020");
      expect(error.message).toMatch(/cannot reach .*ECONNREFUSED after 2 attempts.*is the server running/);
      expect(error.data).toMatchObject({ reason: "unreachable" });
      expect(Date.now() - started).toBeGreaterThanOrEqual(200); // one backoff
    });

    it("reports a missing model as SDX3008 with the server's words", async () => {
      const error = await refusal(loaderFor(config({ model: "not-pulled" })).chat([{ role: "user", content: "hi" }], {}));
      expect(error.code).toBe("SDX3008");
      expect(error.message).toContain("not-pulled");
      expect(error.message).toMatch(kind === "ollama" ? /ollama pull not-pulled/ : /does not exist/);
    });

    it("retries a 5xx with backoff, then succeeds", async () => {
      peer.requests.length = 0;
      peer.failNext = 2;
      expect(await loaderFor(config({ retries: 2 })).generate("again", {})).toBe(peerReply(model, "again"));
      expect(peer.requests).toHaveLength(3);
      peer.failNext = 3;
      const error = await refusal(loaderFor(config({ retries: 2 })).generate("again", {}));
      expect(error.message).toMatch(/HTTP 503 .*after 3 attempts/);
      peer.failNext = 0;
    });

    it("times out without retrying", async () => {
      peer.requests.length = 0;
      peer.hangMs = Infinity; // never answers: the client's timeout is the only way out
      const error = await refusal(loaderFor(config({ timeoutMs: 150, retries: 2 })).embed(["slow"]));
      peer.hangMs = 0;
      expect(error.code).toBe("SDX3020");
      expect(error.message).toMatch(/did not answer within 150 ms/);
      expect(error.data).toMatchObject({ reason: "timeout" });
      expect(peer.requests).toHaveLength(1); // not retried
    });
  });
}

describe("openai loader credentials", () => {
  it("sends the bearer token from the named environment variable, and says which variable is missing", async () => {
    const peer = await startLlmPeer("openai", ["m"]);
    peer.apiKey = "sk-test-123";
    try {
      process.env.SDX_TEST_OPENAI_KEY = "sk-test-123";
      const loader = loaderFor({ kind: "openai", baseUrl: peer.url, model: "m", apiKeyEnv: "SDX_TEST_OPENAI_KEY" });
      expect(await loader.generate("x", {})).toBe(peerReply("m", "x"));
      expect(peer.requests[0].authorization).toBe("Bearer sk-test-123");
      process.env.SDX_TEST_OPENAI_KEY = "wrong";
      const denied = await refusal(loaderFor({ kind: "openai", baseUrl: peer.url, model: "m", apiKeyEnv: "SDX_TEST_OPENAI_KEY" }).generate("x", {}));
      expect(denied.message).toMatch(/refused the credentials \(HTTP 401\)/);
      delete process.env.SDX_TEST_OPENAI_KEY;
      expect(() => loaderFor({ kind: "openai", baseUrl: peer.url, model: "m", apiKeyEnv: "SDX_TEST_OPENAI_KEY" })).toThrow(/\$SDX_TEST_OPENAI_KEY, which is not set/);
    } finally {
      delete process.env.SDX_TEST_OPENAI_KEY;
      await peer.close();
    }
  });
});
