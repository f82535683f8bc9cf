/**
 * `generateJson`: a language model's answer parsed as JSON and validated against a JSON Schema,
 * asking again (with what was wrong) when the answer does not parse or does not fit, up to
 * `retries` more times. A schema the host cannot read, or an answer still wrong after the last
 * try, is SDX3002 with the problems located.
 *
 * Input: the prompt, the schema (JSON Schema, draft 2020-12 / 7), a `generate` function. Must not:
 * choose the model or check permissions (ops/ai-tasks.ts does).
 */
import { z } from "zod";
import { validationFailed, type ValidationIssue } from "../../store/errors.js";

export interface JsonAnswer {
  value: unknown;
  attempts: number;
}

function compile(schema: Record<string, unknown>): z.ZodType {
  try {
    return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    throw validationFailed(`the JSON Schema cannot be used: ${(error as Error).message}`, [{ path: "schema", message: (error as Error).message }]);
  }
}

/** The JSON in an answer: the whole text, else a fenced ```json block, else the outermost {…} or […]. */
export function extractJson(text: string): unknown {
  const candidates = [text.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced) candidates.push(fenced[1]!.trim());
  for (const [open, close] of [["{", "}"], ["[", "]"]] as const) {
    const start = text.indexOf(open);
    const end = text.lastIndexOf(close);
    if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  }
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate);
    } catch {
      // the next candidate
    }
  }
  throw new SyntaxError("the answer holds no JSON");
}

function problemsOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message }));
}

export async function generateJson(
  prompt: string, schema: Record<string, unknown>, retries: number, generate: (prompt: string) => Promise<string>,
): Promise<JsonAnswer> {
  const validator = compile(schema);
  const instructions = `${prompt}\n\nAnswer with JSON only, matching this JSON Schema:\n${JSON.stringify(schema)}`;
  let ask = instructions;
  let last: ValidationIssue[] = [];
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    const text = await generate(ask);
    let value: unknown;
    try {
      value = extractJson(text);
    } catch {
      last = [{ path: "(answer)", message: `not JSON: ${JSON.stringify(text.slice(0, 200))}` }];
      ask = `${instructions}\n\nYour previous answer was not JSON. Answer with the JSON value only.`;
      continue;
    }
    const checked = validator.safeParse(value);
    if (checked.success) return { value: checked.data, attempts: attempt };
    last = problemsOf(checked.error);
    ask = `${instructions}\n\nYour previous answer ${JSON.stringify(value).slice(0, 500)} did not match the schema: ${last.map((p) => `${p.path}: ${p.message}`).join("; ")}. Answer again with corrected JSON only.`;
  }
  throw validationFailed(`the model's answer did not match the JSON Schema after ${retries + 1} attempts`, last);
}
