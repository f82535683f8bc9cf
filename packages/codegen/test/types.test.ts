/**
 * TypeScript type → JSON Schema, through the whole pipeline on a small project in a temp dir.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { CORE_BASE_SQL } from "@sdx/sdk/core-schema";
import { generate, type ModelIR } from "@sdx/codegen";

const root = mkdtempSync(join(tmpdir(), "sdx-types-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SOURCE = `
import { extension, job, model, type JobContext, type Timestamp, type Uuid, type JsonValue } from "@sdx/sdk";

export enum Color { Red = "red", Green = "green" }
export enum Level { Low = 1, High = 2 }
type Id = Uuid;
export interface TreeNode { label: string; children: TreeNode[] }
type Point = { x: number } & { y: number };

@model({ version: "1.0.0", scope: "standalone" })
export class Owner { id!: Uuid; name!: string; since?: Timestamp }

@model({ version: "1.0.0", scope: "content" })
export class Everything {
  id!: Uuid;
  str!: string;
  num = 1;
  flag = false;
  nothing!: null;
  maybe?: number;
  nullableId!: Id | null;
  quote!: "it's" | "plain";
  color!: Color;
  level!: Level;
  tuple!: [string, number, boolean?];
  record!: Record<string, Uuid[]>;
  keyed!: Record<"a" | "b", number>;
  tree!: TreeNode;
  point!: Point;
  owner!: Owner;
  mixed!: string | number | { kind: "x" };
  json!: JsonValue;
  floats!: Float32Array;
  bytes!: Uint8Array;
  buffer!: ArrayBuffer;
  readonlyList!: readonly string[];
  literalTrue!: true;
}

@extension({ id: "org.example.types", name: "Types", version: "0.1.0", description: "", minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [] })
export class Types {
  @job()
  async go(ctx: JobContext, ids: Id[], at?: Timestamp, limit = 10): Promise<void> {}
}
`;

function build() {
  const dir = join(root, "types");
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "src/index.ts"), SOURCE);
  return generate({ projectDir: dir });
}

describe("type → JSON Schema", () => {
  const result = build();
  const model = (name: string): ModelIR => result.ir!.models.find((m) => m.name === name)!;

  it("succeeds without diagnostics", () => {
    expect(result.diagnostics.map((d) => d.message)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("maps every kind of type", () => {
    const props = model("Everything").schema.properties as Record<string, unknown>;
    expect(props).toEqual({
      str: { type: "string" },
      num: { type: "number" },
      flag: { type: "boolean" },
      nothing: { type: "null" },
      maybe: { type: "number" },
      nullableId: { anyOf: [{ type: "string", format: "uuid" }, { type: "null" }] },
      quote: { type: "string", enum: ["it's", "plain"] },
      color: { type: "string", enum: ["red", "green"] },
      level: { type: "number", enum: [1, 2] },
      tuple: { type: "array", prefixItems: [{ type: "string" }, { type: "number" }, { type: "boolean" }], minItems: 2, maxItems: 3 },
      record: { type: "object", additionalProperties: { type: "array", items: { type: "string", format: "uuid" } } },
      keyed: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
      tree: {
        $ref: "#/$defs/TreeNode",
      },
      point: { type: "object", properties: { x: { type: "number" }, y: { type: "number" } }, required: ["x", "y"] },
      owner: {
        type: "object",
        properties: { id: { type: "string", format: "uuid" }, name: { type: "string" }, since: { type: "string", format: "date-time" } },
        required: ["id", "name"],
      },
      mixed: { anyOf: [{ type: "string" }, { type: "number" }, { type: "object", properties: { kind: { type: "string", const: "x" } }, required: ["kind"] }] },
      json: {},
      floats: { "x-sdx-typedArray": "Float32Array" },
      bytes: { "x-sdx-typedArray": "Uint8Array" },
      buffer: { "x-sdx-typedArray": "ArrayBuffer" },
      readonlyList: { type: "array", items: { type: "string" } },
      literalTrue: { type: "boolean", const: true },
    });
    expect(model("Everything").schema.required).not.toContain("maybe");
  });

  it("puts recursive types in $defs at the root of the model's schema", () => {
    const tree = model("Everything").fields.find((f) => f.name === "tree")!.schema;
    expect(tree.$ref).toBe("#/$defs/TreeNode");
    expect(model("Everything").schema.$defs).toEqual({
      TreeNode: { type: "object", properties: { label: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/TreeNode" } } }, required: ["label", "children"] },
    });
  });

  it("keeps Uuid and Timestamp through aliases in parameters, and marks optional ones", () => {
    expect(result.artifacts!.manifest.jobs[0]!.params).toEqual([
      { name: "ids", schema: { type: "array", items: { type: "string", format: "uuid" } }, optional: false },
      { name: "at", schema: { type: "string", format: "date-time" }, optional: true },
      { name: "limit", schema: { type: "number" }, optional: true },
    ]);
  });

  it("escapes quotes in the SQL registration (the schema holds \"it's\")", () => {
    const db = new Database(":memory:");
    db.exec(CORE_BASE_SQL);
    db.exec(result.artifacts!.schemaSql);
    const row = db.prepare("SELECT json_schema FROM extension_model_types WHERE model_type = 'Everything'").get() as { json_schema: string };
    expect(JSON.parse(row.json_schema)).toEqual(model("Everything").schema);
  });
});
