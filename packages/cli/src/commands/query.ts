/**
 * `sdx query <id>.<name> --library <dir> [--param k=v]… [--limit n] [--cursor c] [--all]`: runs a
 * named query of an installed extension as the host compiles it for that extension (its models,
 * the entries its grants cover) and prints the rows; `--filter` runs filter-language text instead.
 */
import { resolve } from "node:path";
import pc from "picocolors";
import { Library, queryExtension, type QueryRef } from "@sdx/host";
import type { QueryRow } from "@sdx/sdk";
import { UsageError } from "../errors.js";
import type { CommandResult } from "../output.js";
import { parseParams } from "./params.js";

export interface QueryCommandOptions {
  library: string;
  param: string[];
  limit?: string;
  cursor?: string;
  all?: boolean;
  filter?: string;
}

function describe(row: QueryRow): string {
  const what = row.kind === "model" ? `${row.modelType}` : "entry";
  const extra = [row.date, row.location ? `${row.location.latitude.toFixed(4)}, ${row.location.longitude.toFixed(4)}` : undefined, row.thumbnail ? "thumbnail" : undefined].filter(Boolean);
  return `  ${pc.bold(row.title)}  ${pc.dim(`${what} ${row.id}${extra.length ? `  ${extra.join("  ")}` : ""}`)}`;
}

export async function queryCommand(target: string, options: QueryCommandOptions): Promise<CommandResult<unknown>> {
  const dot = options.filter === undefined ? target.lastIndexOf(".") : -1;
  if (options.filter === undefined && dot <= 0) throw new UsageError(`name the query as <extension-id>.<query>, e.g. com.spacedrive.photos.people; got "${target}"`);
  const id = options.filter === undefined ? target.slice(0, dot) : target;
  const ref: QueryRef = options.filter === undefined ? { name: target.slice(dot + 1) } : { filter: options.filter };
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw new UsageError("--limit takes a whole number from 1 to 1000");
  const values = parseParams(options.param);
  const library = Library.open(resolve(options.library));
  try {
    const rows: QueryRow[] = [];
    let cursor: string | null = options.cursor ?? null;
    do {
      const page = queryExtension(library, id, ref, values, { ...(limit !== undefined ? { limit } : {}), cursor });
      rows.push(...page.rows);
      cursor = page.nextCursor;
    } while (options.all && cursor !== null);
    return {
      data: { extension: id, query: "name" in ref ? ref.name : ref.filter, rows, nextCursor: cursor },
      human: [
        ...(rows.length ? rows.map(describe) : [pc.dim("  (no rows)")]),
        ...(cursor ? [pc.dim(`  more: --cursor ${cursor}  (or --all)`)] : []),
      ].join("\n"),
    };
  } finally {
    library.close();
  }
}
