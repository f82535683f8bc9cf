/**
 * `@extension({ permissions })`: each entry is a `Permission.x({...})` call of the sdk (or the
 * plain object it returns). Unknown builders are SDX1005, bad globs SDX1006 (alternatives that
 * differ only in case are the warning `glob-case-variants`), bad `useModel` options SDX1033,
 * other bad options SDX1008. Each permission gets its sentence (`description`).
 */
import type { ts } from "../program/typescript.js";
import type { PermissionRequest } from "@sdx/sdk";
import { permissionSentence } from "@sdx/sdk/manifest";
import type { CodegenCode } from "../diagnostics/collector.js";
import type { Span } from "../diagnostics/diagnostic.js";
import type { PermissionIR } from "../ir/ir.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";
import { caseVariants, globProblem } from "./glob.js";
import { Options } from "./options.js";
import type { StaticValue } from "./static-value.js";

const BUILDERS: Record<string, PermissionIR["kind"]> = {
  readEntries: "read_entries",
  readSidecars: "read_sidecars",
  writeSidecars: "write_sidecars",
  writeTags: "write_tags",
  writeCollections: "write_collections",
  writeCustomMetadata: "write_custom_metadata",
  useModel: "use_model",
  dispatchJobs: "dispatch_jobs",
  useDevices: "use_devices",
  writeFiles: "write_files",
};
const KINDS = new Set<string>(Object.values(BUILDERS));
const PREFERENCES = ["local", "cloud", "any"] as const;

function nonEmptyStrings(options: Options, key: string, ctx: AnalyzeContext, code: CodegenCode = "SDX1008"): string[] | null {
  const read = options.stringArray(key, code, true);
  if (!read) return null;
  if (read.value.length === 0 || read.value.some((k) => k === "")) {
    ctx.diagnostics.error(code, spanOf(read.node), `"${key}" must list at least one non-empty name`);
    return null;
  }
  return read.value;
}

function fromOptions(kind: PermissionIR["kind"], options: Options, at: ts.Node, ctx: AnalyzeContext): PermissionIR | null {
  switch (kind) {
    case "read_entries":
    case "write_files": {
      options.rejectUnknown(["glob"]);
      const glob = options.string("glob", "SDX1006", true);
      if (!glob) return null;
      const problem = globProblem(glob.value);
      if (problem) {
        ctx.diagnostics.error("SDX1006", spanOf(glob.node), `Invalid glob "${glob.value}": ${problem}`);
        return null;
      }
      const repeated = caseVariants(glob.value);
      if (repeated.length > 0) ctx.diagnostics.warn("glob-case-variants", spanOf(glob.node), `Glob "${glob.value}" repeats ${repeated.join(", ")} in another case; globs match without regard to case`);
      return { kind, glob: glob.value };
    }
    case "read_sidecars":
    case "write_sidecars": {
      options.rejectUnknown(["kinds"]);
      const kinds = nonEmptyStrings(options, "kinds", ctx);
      return kinds ? { kind, kinds } : null;
    }
    case "use_devices": {
      options.rejectUnknown(["capabilities"]);
      const capabilities = options.stringArray("capabilities", "SDX1008", true);
      return capabilities ? { kind, capabilities: capabilities.value } : null;
    }
    case "use_model": {
      options.rejectUnknown(["category", "preference"], "SDX1033");
      const category = options.string("category", "SDX1033", true);
      const preference = options.string("preference", "SDX1033");
      let ok = !!category;
      if (category && category.value.trim() === "") {
        ctx.diagnostics.error("SDX1033", spanOf(category.node), "useModel needs a non-empty category");
        ok = false;
      }
      if (preference && !(PREFERENCES as readonly string[]).includes(preference.value)) {
        ctx.diagnostics.error("SDX1033", spanOf(preference.node), `Unknown model preference "${preference.value}"`);
        ok = false;
      }
      if (!ok || !category) return null;
      return { kind, category: category.value, preference: (preference?.value ?? "local") as (typeof PREFERENCES)[number] };
    }
    default: {
      if (options.props.size) ctx.diagnostics.error("SDX1008", spanOf(at), `This permission takes no options`);
      return { kind };
    }
  }
}

function permission(value: StaticValue, ctx: AnalyzeContext): PermissionIR | null {
  if (value.kind === "dynamic") return null;
  if (value.kind === "permission") {
    const kind = BUILDERS[value.builder];
    if (!kind) {
      ctx.diagnostics.error("SDX1005", spanOf(value.nameNode), `Unknown permission Permission.${value.builder}`);
      return null;
    }
    const arg = value.args[0];
    if (value.args.length > 1) ctx.diagnostics.error("SDX1008", spanOf(value.args[1]!.node), `Permission.${value.builder} takes one options object`);
    const options = arg ? Options.fromValue(arg, ctx, value.node) : Options.fromValue({ kind: "undefined", node: value.node }, ctx, value.node);
    if (!options.readable) return null;
    return fromOptions(kind, options, value.node, ctx);
  }
  if (value.kind === "object") {
    const kindProp = value.props.get("kind")?.value;
    if (kindProp?.kind === "string" && KINDS.has(kindProp.value)) {
      const rest = new Map(value.props);
      rest.delete("kind");
      const options = Options.fromValue({ kind: "object", props: rest, node: value.node }, ctx, value.node);
      return fromOptions(kindProp.value as PermissionIR["kind"], options, value.node, ctx);
    }
    if (kindProp?.kind === "dynamic") return null;
    ctx.diagnostics.error("SDX1005", spanOf(kindProp?.node ?? value.node), `Unknown permission${kindProp?.kind === "string" ? ` "${kindProp.value}"` : ""}`);
    return null;
  }
  ctx.diagnostics.error("SDX1005", spanOf(value.node), "Not a permission: use a Permission.* builder");
  return null;
}

/** The requested permissions; `spans`, when given, receives the place of each one (same order). */
export function readPermissions(value: StaticValue | undefined, owner: ts.Node, ctx: AnalyzeContext, spans?: Span[]): PermissionIR[] {
  if (!value) {
    ctx.diagnostics.error("SDX1008", spanOf(owner), `Missing option "permissions"`);
    return [];
  }
  if (value.kind === "dynamic") return [];
  if (value.kind !== "array") {
    ctx.diagnostics.error("SDX1008", spanOf(value.node), `Option "permissions" must be an array of Permission.* calls`);
    return [];
  }
  const out: PermissionIR[] = [];
  for (const item of value.items) {
    const p = permission(item, ctx);
    if (p) {
      // The sentence a store shows and every reader checks (manifest version 2).
      out.push({ ...p, description: permissionSentence(p as PermissionRequest) });
      spans?.push(spanOf(item.node));
    }
  }
  return out;
}
