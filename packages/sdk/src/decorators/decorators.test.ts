import { describe, expect, it } from "vitest";
import { extension, model, job, task, blobData, Permission, type JobContext, type TaskContext, type Uuid } from "../index.js";
import { registry } from "./registry.js";

@model({ version: "1.0.0", scope: "standalone" })
class Person {
  id!: Uuid;
  name = "";
  @blobData({ compression: "zstd", lazy: true }) embeddings?: number[][];
}

@extension({ id: "org.example.t", name: "T", version: "0.1.0", description: "", minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [Permission.writeTags()] })
class Ext {
  @task({ retries: 1 }) async t(_ctx: TaskContext, n: number): Promise<number> { return n; }
  @job() async j(_ctx: JobContext): Promise<void> {}
}

describe("decorators", () => {
  it("link classes and functions to their records", () => {
    expect(registry.model(Person)?.type).toBe("Person");
    expect([...registry.model(Person)!.blobFields.keys()]).toEqual(["embeddings"]);
    expect(registry.taskOf(Ext.prototype.t)?.options.retries).toBe(1);
    expect(registry.jobOf(Ext.prototype.j)?.name).toBe("j");
    expect(registry.classOf(Ext)?.extension?.id).toBe("org.example.t");
    expect([...registry.classOf(Ext)!.tasks.keys()]).toEqual(["t"]);
  });
});
