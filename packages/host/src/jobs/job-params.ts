/**
 * Turns the arguments a caller gives `Host.runJob` into the job's positional parameters: a record
 * is mapped by `manifest.jobs[].params` names, an `SdPath` parameter given as a plain path string
 * becomes `{ device: <local device>, path: <absolute realpath> }`, and every value is checked
 * against the parameter's JSON Schema. Problems are SDX3012 errors naming the parameter.
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import type { ManifestJob, ManifestParam } from "@sdx/sdk/manifest";

/** A job or an action: something with named parameters. */
type Callable = Pick<ManifestJob, "name" | "params">;
import { sdxError, type SdxError } from "../errors.js";

function paramError(job: Callable, param: string, message: string): SdxError {
  return sdxError("SDX3012", `${job.name}: parameter "${param}" ${message}`, { param });
}

function convert(job: Callable, param: ManifestParam, value: unknown, deviceUuid: string): unknown {
  if (param.sdkType === "SdPath" && typeof value === "string") {
    try {
      return { device: deviceUuid, path: realpathSync(resolve(value)) };
    } catch {
      throw paramError(job, param.name, `is a path that does not exist: ${resolve(value)}`);
    }
  }
  return value;
}

function check(job: Callable, param: ManifestParam, value: unknown): void {
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(param.schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return; // a schema zod cannot compile is checked by the guest's own code instead
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") + ": " : ""}${i.message}`).join("; ");
    throw paramError(job, param.name, `is invalid: ${detail}`);
  }
}

/** The positional arguments of `job` (or an action) for `args` (names → positions when `args` is a record). */
export function bindJobArgs(job: Callable, args: unknown[] | Record<string, unknown>, deviceUuid: string): unknown[] {
  let values: unknown[];
  if (Array.isArray(args)) {
    if (args.length > job.params.length) throw sdxError("SDX3012", `${job.name} takes ${job.params.length} parameter(s), got ${args.length}`);
    values = [...args];
  } else {
    const known = new Set(job.params.map((p) => p.name));
    const unknown = Object.keys(args).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw sdxError("SDX3012", `${job.name} has no parameter ${unknown.map((n) => `"${n}"`).join(", ")}; parameters: ${[...known].join(", ") || "none"}`, { param: unknown[0] });
    }
    values = job.params.map((p) => args[p.name]);
  }
  const bound: unknown[] = [];
  job.params.forEach((param, i) => {
    const value = values[i];
    if (value === undefined) {
      if (!param.optional) throw paramError(job, param.name, "is required");
      bound.push(undefined);
      return;
    }
    const converted = convert(job, param, value, deviceUuid);
    check(job, param, converted);
    bound.push(converted);
  });
  // Trailing omitted optionals are dropped so the guest sees its own defaults.
  while (bound.length > 0 && bound[bound.length - 1] === undefined) bound.pop();
  return bound;
}
