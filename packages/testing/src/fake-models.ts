/**
 * Fake AI models: a deterministic function served as a model of a category. The function answers
 * from a real HTTP server on loopback that speaks Ollama's API (`/api/generate`, `/api/chat`,
 * `/api/embed`), registered in the test's models directory as an endpoint model: the extension's
 * `ai.generate/chat/embed` calls go through the host's real loader, its use_model permission check
 * and its audit, and nothing leaves the machine. A function that throws fails the call (the task's
 * retries apply). (ONNX models that take tensors, `run()`, are real
 * model files: register them with the extension or `ModelRegistry.add`.)
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatMessage {
  role: string;
  content: string;
}

export interface FakeModel {
  /** The category it serves (`use_model` grants are per category), e.g. "llm", "embedding". */
  category: string;
  /** `ai.generate`: the text for a prompt. */
  generate?: (prompt: string) => string;
  /** `ai.chat`: the assistant's reply (default: `generate` of the last user message). */
  chat?: (messages: ChatMessage[]) => string;
  /** `ai.embed`: the vector of one text. */
  embed?: (text: string) => number[];
}

export interface FakeModelServer {
  readonly url: string;
  /** Every request the extension's calls made, in order. */
  readonly calls: Array<{ op: "generate" | "chat" | "embed"; model: string; input: unknown }>;
  close(): Promise<void>;
}

/** Serves `models` (by the name the endpoint registration gives each) on a loopback port. */
export async function serveFakeModels(models: Map<string, FakeModel>, calls: FakeModelServer["calls"] = []): Promise<FakeModelServer> {
  const answer = (path: string, body: Record<string, unknown>): { status: number; json: unknown } => {
    const name = String(body.model);
    const model = models.get(name);
    if (!model) return { status: 404, json: { error: `model "${name}" not found` } };
    try {
      if (path === "/api/generate" && model.generate) {
        calls.push({ op: "generate", model: name, input: body.prompt });
        return { status: 200, json: { model: name, response: model.generate(String(body.prompt)), done: true } };
      }
      if (path === "/api/chat" && (model.chat || model.generate)) {
        const messages = (body.messages ?? []) as ChatMessage[];
        calls.push({ op: "chat", model: name, input: messages });
        const lastUser = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
        const content = model.chat ? model.chat(messages) : model.generate!(lastUser);
        return { status: 200, json: { model: name, message: { role: "assistant", content }, done: true } };
      }
      if (path === "/api/embed" && model.embed) {
        const input = (body.input ?? []) as string[];
        calls.push({ op: "embed", model: name, input });
        return { status: 200, json: { model: name, embeddings: input.map((text) => model.embed!(text)) } };
      }
    } catch (error) {
      // 422, not a 5xx: the host's loader retries 5xx on the wall clock itself; this failure is for
      // the task's own retries (with their backoff on the fake clock).
      return { status: 422, json: { error: `fake model ${name} threw: ${(error as Error)?.message ?? String(error)}` } };
    }
    return { status: 400, json: { error: `fake model ${name} has no function for ${path}` } };
  };
  const server = http.createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      let result: { status: number; json: unknown };
      try {
        result = answer(req.url ?? "", JSON.parse(text || "{}") as Record<string, unknown>);
      } catch {
        result = { status: 400, json: { error: "the body is not JSON" } };
      }
      res.writeHead(result.status, { "content-type": "application/json" });
      res.end(JSON.stringify(result.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
