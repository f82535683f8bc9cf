/**
 * The public options interfaces carry TSDoc, so they are written by hand; these checks keep them
 * equal to what `DECORATOR_OPTIONS` (manifest.ts) declares. The type assertions run under
 * `npm run typecheck`; the runtime ones check the table against the manifest's zod fields.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { DECORATOR_OPTIONS, type AuthorOptions, type DecoratorName } from "../manifest.js";
import type { PermissionRequest } from "../types/permissions.js";
import type {
  ActionOptions, AgentOptions, AgentTrailOptions, BlobDataOptions, CoreFeature, ExtensionOptions, JobOptions, ModelOptions, QueryOptions, SettingOptions, TaskOptions,
} from "./options.js";

describe("the options interfaces", () => {
  it("equal the options the table declares (type-level)", () => {
    expectTypeOf<ModelOptions>().toEqualTypeOf<AuthorOptions<"model">>();
    expectTypeOf<BlobDataOptions>().toEqualTypeOf<AuthorOptions<"blobData">>();
    expectTypeOf<SettingOptions>().toEqualTypeOf<AuthorOptions<"setting">>();
    expectTypeOf<JobOptions>().toEqualTypeOf<AuthorOptions<"job">>();
    expectTypeOf<TaskOptions>().toEqualTypeOf<AuthorOptions<"task">>();
    expectTypeOf<ActionOptions>().toEqualTypeOf<AuthorOptions<"action">>();
    expectTypeOf<AgentOptions>().toEqualTypeOf<AuthorOptions<"agent">>();
    expectTypeOf<QueryOptions>().toEqualTypeOf<AuthorOptions<"query">>();
    expectTypeOf<AgentTrailOptions>().toEqualTypeOf<AuthorOptions<"agentTrail">>();
    // requiredFeatures is narrower for authors (the host's features) than in the manifest (any string);
    // permissions are written without their sentence (`description`), which the build adds.
    type Narrowed = "requiredFeatures" | "permissions";
    expectTypeOf<Omit<ExtensionOptions, Narrowed>>().toEqualTypeOf<Omit<AuthorOptions<"extension">, Narrowed>>();
    expectTypeOf<ExtensionOptions["requiredFeatures"]>().toEqualTypeOf<CoreFeature[]>();
    expectTypeOf<CoreFeature[]>().toExtend<AuthorOptions<"extension">["requiredFeatures"]>();
    expectTypeOf<ExtensionOptions["permissions"]>().toEqualTypeOf<PermissionRequest[]>();
    expectTypeOf<PermissionRequest[]>().toExtend<AuthorOptions<"extension">["permissions"]>();
  });
});

describe("DECORATOR_OPTIONS", () => {
  const rows = Object.entries(DECORATOR_OPTIONS) as Array<[DecoratorName, (typeof DECORATOR_OPTIONS)[DecoratorName]]>;

  it("marks an option optional exactly when its manifest field is optional", () => {
    for (const [decorator, { schema, options }] of rows) {
      for (const [name, presence] of Object.entries(options)) {
        const field = (schema.shape as Record<string, { isOptional(): boolean }>)[name];
        expect(field, `${decorator}.${name} is a field of its manifest object`).toBeDefined();
        expect(field!.isOptional(), `${decorator}.${name}`).toBe(presence === "optional");
      }
    }
  });

  it("gives defaults that the manifest field accepts", () => {
    const defaults = rows.flatMap(([decorator, { schema, options }]) =>
      Object.entries(options).flatMap(([name, presence]) => (typeof presence === "object" ? [{ decorator, name, value: presence.default, schema }] : [])),
    );
    expect(defaults.map((d) => `${d.decorator}.${d.name}`)).toEqual([
      "blobData.compression", "blobData.lazy", "blobData.quantize", "job.parallelism", "job.trigger", "task.retries", "task.timeoutMs", "task.backoffMs",
    ]);
    for (const d of defaults) {
      const field = (d.schema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[d.name]!;
      expect(field.safeParse(d.value).success, `${d.decorator}.${d.name}`).toBe(true);
    }
  });
});
