/**
 * TEST PEERS, not models: small HTTP servers on loopback that speak the request/response formats of
 * Ollama (`/api/generate`, `/api/chat`, `/api/embed`) and of OpenAI-compatible APIs
 * (`/v1/chat/completions`, `/v1/embeddings`), so the loaders are tested against real HTTP with
 * real status codes, without anything leaving the machine. Answers are deterministic functions of
 * the request (`peerReply`, `peerEmbedding`), so tests compute the expected result themselves.
 *
 * Behaviour switches: `models` (what is "pulled"; others answer 404 like the real servers),
 * `failNext` (that many 503s before answering), `hangMs` (answer late, for timeouts),
 * `apiKey` (OpenAI: require this bearer token). Every request is recorded.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface PeerRequest {
  path: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

export interface LlmPeer {
  readonly url: string;
  readonly requests: PeerRequest[];
  models: Set<string>;
  failNext: number;
  hangMs: number;
  /** Answers to give, in order, before the usual reversed-prompt reply (generate and chat). */
  scripted: string[];
  apiKey: string | null;
  close(): Promise<void>;
}

/** The peer's answer to a prompt. */
export function peerReply(model: string, prompt: string, maxTokens?: number): string {
  const words = `${model} says: ${[...prompt].reverse().join("")}`.split(" ");
  return (maxTokens ? words.slice(0, maxTokens) : words).join(" ");
}

/** The peer's 4-d embedding of a text: length, vowels, spaces, char-code sum mod 97. */
export function peerEmbedding(text: string): number[] {
  const vowels = [...text].filter((c) => "aeiou".includes(c.toLowerCase())).length;
  const spaces = [...text].filter((c) => c === " ").length;
  const sum = [...text].reduce((s, c) => s + c.charCodeAt(0), 0) % 97;
  return [text.length, vowels, spaces, sum / 8];
}

type Handler = (body: Record<string, unknown>, peer: LlmPeer) => { status: number; json: unknown };

const lastUser = (messages: unknown): string => {
  const list = Array.isArray(messages) ? (messages as Array<{ role?: string; content?: string }>) : [];
  return [...list].reverse().find((m) => m.role === "user")?.content ?? "";
};

const OLLAMA: Record<string, Handler> = {
  "/api/generate": (b, peer) => ({ status: 200, json: { model: b.model, created_at: new Date().toISOString(), response: peer.scripted.shift() ?? peerReply(String(b.model), String(b.prompt), (b.options as { num_predict?: number } | undefined)?.num_predict), done: true } }),
  "/api/chat": (b) => ({ status: 200, json: { model: b.model, created_at: new Date().toISOString(), message: { role: "assistant", content: peerReply(String(b.model), lastUser(b.messages)) }, done: true } }),
  "/api/embed": (b) => ({ status: 200, json: { model: b.model, embeddings: (b.input as string[]).map(peerEmbedding) } }),
};

const OPENAI: Record<string, Handler> = {
  "/v1/chat/completions": (b, peer) => ({
    status: 200,
    json: {
      id: "chatcmpl-peer", object: "chat.completion", created: 0, model: b.model,
      choices: [{ index: 0, message: { role: "assistant", content: peer.scripted.shift() ?? peerReply(String(b.model), lastUser(b.messages), b.max_tokens as number | undefined) }, finish_reason: "stop" }],
    },
  }),
  "/v1/embeddings": (b) => ({
    status: 200,
    // Deliberately out of order: clients must sort by index.
    json: { object: "list", model: b.model, data: (b.input as string[]).map((t, index) => ({ object: "embedding", index, embedding: peerEmbedding(t) })).reverse() },
  }),
};

function requestProblem(kind: "ollama" | "openai", path: string, body: Record<string, unknown>): string | null {
  if (typeof body.model !== "string") return "model is required";
  if (kind === "ollama" && path !== "/api/embed" && body.stream !== false) return "this peer only answers stream: false";
  if (path.endsWith("chat") || path.endsWith("completions")) {
    if (!Array.isArray(body.messages)) return "messages must be an array";
  }
  if (path === "/api/generate" && typeof body.prompt !== "string") return "prompt is required";
  if (path.endsWith("embed") || path.endsWith("embeddings")) {
    if (!Array.isArray(body.input)) return "input must be an array of strings";
  }
  return null;
}

export async function startLlmPeer(kind: "ollama" | "openai", models: string[], host = "127.0.0.1"): Promise<LlmPeer> {
  const routes = kind === "ollama" ? OLLAMA : OPENAI;
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk));
    req.on("end", () => {
      const send = (status: number, json: unknown) => {
        const reply = () => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
        if (peer.hangMs > 0) setTimeout(reply, peer.hangMs);
        else reply();
      };
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send(400, { error: "invalid JSON" });
      }
      const path = req.url ?? "";
      peer.requests.push({ path, body, authorization: req.headers.authorization });
      if (peer.failNext > 0) {
        peer.failNext -= 1;
        return send(503, kind === "ollama" ? { error: "server busy" } : { error: { message: "overloaded", type: "server_error" } });
      }
      const route = routes[path];
      if (req.method !== "POST" || !route) return send(404, kind === "ollama" ? { error: "404 page not found" } : { error: { message: `unknown path ${path}` } });
      if (kind === "openai" && peer.apiKey !== null && req.headers.authorization !== `Bearer ${peer.apiKey}`) {
        return send(401, { error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } });
      }
      const problem = requestProblem(kind, path, body);
      if (problem) return send(400, kind === "ollama" ? { error: problem } : { error: { message: problem, type: "invalid_request_error" } });
      if (!peer.models.has(String(body.model))) {
        return send(404, kind === "ollama"
          ? { error: `model "${String(body.model)}" not found, try pulling it first` }
          : { error: { message: `The model \`${String(body.model)}\` does not exist or you do not have access to it.`, type: "invalid_request_error", code: "model_not_found" } });
      }
      const answer = route(body, peer);
      send(answer.status, answer.json);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address() as AddressInfo;
  const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const peer: LlmPeer = {
    url: `http://${hostPart}:${address.port}${kind === "openai" ? "/v1" : ""}`,
    requests: [],
    models: new Set(models),
    failNext: 0,
    hangMs: 0,
    scripted: [],
    apiKey: null,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
  return peer;
}
