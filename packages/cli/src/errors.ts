/**
 * CLI errors and the one place that renders them. `UserError`: the user can fix it (exit 1, no
 * stack). `UsageError`: bad arguments (exit 2). Anything else is a bug: exit 3 with the stack.
 */
import pc from "picocolors";
import { codeInfo } from "@sdx/sdk/codes";

export const EXIT = { ok: 0, failure: 1, usage: 2, internal: 3 } as const;

export class UserError extends Error {
  override name = "UserError";
  constructor(
    message: string,
    readonly code?: string,
    readonly location?: { file: string; line?: number; col?: number },
  ) {
    super(message);
  }
}

export class UsageError extends UserError {
  override name = "UsageError";
}

/** Errors from other packages that carry a stable code (BundleError, host errors). */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && /^SDX\d{4}$/.test(code) ? code : undefined;
}

/**
 * SQLite finding a library database damaged where no host code named the file: the state of the
 * library, not a bug. (The codes `isDamage` of @sdx/host knows; not imported, to keep the host
 * out of commands that do not need it.)
 */
function damaged(error: unknown): unknown {
  const sqlite = (error as { code?: unknown } | null)?.code;
  if (typeof sqlite !== "string" || !/^SQLITE_(NOTADB$|CORRUPT)/.test(sqlite)) return error;
  return new UserError(`a database of this library (library.db or jobs.db) is damaged: ${(error as Error).message}. Nothing was changed by sdx`, "SDX3034");
}

export function handleError(thrown: unknown, json: boolean): number {
  const error = damaged(thrown);
  const code = error instanceof UserError ? error.code : codeOf(error);
  const known = error instanceof UserError || code !== undefined;
  const message = error instanceof Error ? error.message : String(error);
  const exit = error instanceof UsageError ? EXIT.usage : known ? EXIT.failure : EXIT.internal;
  if (json) {
    const location = error instanceof UserError ? error.location : undefined;
    process.stdout.write(`${JSON.stringify({ error: { code: code ?? (known ? "USER" : "INTERNAL"), message, file: location?.file ?? null, line: location?.line ?? null, col: location?.col ?? null } })}\n`);
    return exit;
  }
  const prefix = code ? `error ${code}` : "error";
  process.stderr.write(`${pc.red(pc.bold(prefix))}: ${message}\n`);
  const hint = code ? codeInfo(code)?.hint : undefined;
  if (hint) process.stderr.write(`${pc.cyan("hint")}: ${hint}\n`);
  if (!known && error instanceof Error && error.stack) {
    process.stderr.write(`${pc.dim(error.stack)}\n${pc.dim("This is a bug in sdx; please report it with the output above.")}\n`);
  }
  return exit;
}
