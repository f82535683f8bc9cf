/**
 * JSON over HTTP for the model loaders: one POST with a timeout, retried with exponential backoff
 * on connection errors, 5xx and 429 (honouring Retry-After), never on a timeout (a model that is
 * slow now will be slow again) nor on other 4xx. Every failure becomes a SdxError that says
 * which server, what happened and what to do; the response is validated with a zod schema.
 */
import type { z } from "zod";
import { sdxError, SdxError } from "../../../store/errors.js";

export interface PostOptions {
  /** Human name of the server in messages, e.g. `Ollama at http://127.0.0.1:11434`. */
  server: string;
  timeoutMs: number;
  retries: number;
  /** First backoff delay; doubles per retry (default 250 ms, capped at 5 s). */
  backoffMs?: number;
  headers?: Record<string, string>;
  /** Maps an HTTP error answer to a specific error (e.g. 404 → model missing); null = generic. */
  onHttpError?: (status: number, body: string) => SdxError | null;
}

function failure(message: string, reason: string, extra: Record<string, unknown> = {}): SdxError {
  return sdxError("SDX3020", message, { reason, ...extra });
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

function retryAfterMs(response: Response): number | null {
  const header = response.headers.get("retry-after");
  if (!header) return null;
  const seconds = Number(header);
  return Number.isFinite(seconds) ? seconds * 1000 : null;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

/** POSTs `body` as JSON to `url` and returns the answer parsed with `schema`. */
export async function postJson<S extends z.ZodType>(url: string, body: unknown, schema: S, options: PostOptions): Promise<z.output<S>> {
  const attempts = options.retries + 1;
  const backoff = options.backoffMs ?? 250;
  let last: SdxError | null = null;
  let serverWait: number | null = null;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) {
      const delay = Math.min(5000, serverWait ?? backoff * 2 ** (attempt - 1));
      await new Promise((r) => setTimeout(r, delay));
    }
    serverWait = null;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", ...options.headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      if (name === "TimeoutError" || name === "AbortError") {
        throw failure(`${options.server} did not answer within ${options.timeoutMs} ms`, "timeout", { timeoutMs: options.timeoutMs });
      }
      const code = networkCode(error);
      last = failure(
        `cannot reach ${options.server} (${code}${attempts > 1 ? ` after ${attempt + 1} attempt${attempt > 0 ? "s" : ""}` : ""}); is the server running?`,
        "unreachable", { cause: code },
      );
      continue;
    }
    if (response.ok) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw failure(`${options.server} answered with something that is not JSON: ${snippet(text)}`, "bad_response");
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
        throw failure(`${options.server} answered in an unexpected shape (${issues})`, "bad_response");
      }
      return parsed.data;
    }
    const status = response.status;
    if (status >= 500 || status === 429) {
      serverWait = retryAfterMs(response);
      last = failure(`${options.server} failed: HTTP ${status} ${snippet(text)} (after ${attempt + 1} attempt${attempt > 0 ? "s" : ""})`, "server_error", { status });
      continue;
    }
    const specific = options.onHttpError?.(status, text);
    if (specific) throw specific;
    if (status === 401 || status === 403) throw failure(`${options.server} refused the credentials (HTTP ${status}): ${snippet(text)}`, "unauthorized", { status });
    throw failure(`${options.server} refused the request: HTTP ${status} ${snippet(text)}`, "client_error", { status });
  }
  throw last ?? failure(`${options.server}: no attempt was made`, "unreachable");
}

/** The error message a JSON error body carries (`{error: "..."}` or `{error: {message}}`), else the text. */
export function errorMessage(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: string | { message?: string } };
    if (typeof json.error === "string") return json.error;
    if (json.error && typeof json.error.message === "string") return json.error.message;
  } catch {
    // not JSON
  }
  return snippet(body);
}
