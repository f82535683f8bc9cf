import { SdxError } from "@sdx/sdk/errors";
import { describe, expect, it } from "vitest";
import type { ManifestPermission } from "@sdx/sdk/manifest";
import { GrantSet } from "./grants.js";
import { canonicalPath, isWithin } from "../store/paths.js";

const requested: ManifestPermission[] = [
  { kind: "use_model", category: "face_detection", preference: "local" },
  { kind: "use_model", category: "llm", preference: "any" },
  { kind: "dispatch_jobs" },
  { kind: "use_devices", capabilities: ["gpu", "cpu"] },
  { kind: "read_entries", glob: "/data/photos/**/*.jpg" },
];

function denial(fn: () => void): { permission: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SdxError);
    const e = error as SdxError;
    expect(e.code).toBe("SDX3001");
    return { permission: (e.data as { permission: string }).permission, message: e.message };
  }
  throw new Error("expected a denial");
}

describe("GrantSet", () => {
  const all = GrantSet.of("x.y", requested, requested.map((permission, index) => ({ index, permission, scope: [] })));
  const some = GrantSet.of("x.y", requested, [{ index: 0, permission: requested[0], scope: [] }, { index: 3, permission: { kind: "use_devices", capabilities: ["cpu"] }, scope: [] }]);
  const none = GrantSet.of("x.y", [], []);

  it("checks use_model by category", () => {
    expect(() => all.requireUseModel("llm")).not.toThrow();
    expect(() => some.requireUseModel("face_detection")).not.toThrow();
    expect(denial(() => some.requireUseModel("llm"))).toEqual({ permission: "use_model", message: expect.stringMatching(/did not grant/) });
    expect(denial(() => all.requireUseModel("ocr")).message).toMatch(/category "ocr"/);
    expect(denial(() => none.requireUseModel("llm")).message).toMatch(/did not request use_model \(add Permission\.useModel/);
  });

  it("checks dispatch_jobs and use_devices capabilities", () => {
    expect(() => all.requireDispatchJobs()).not.toThrow();
    expect(denial(() => some.requireDispatchJobs()).permission).toBe("dispatch_jobs");
    expect(() => some.requireUseDevices(["cpu"])).not.toThrow();
    expect(denial(() => some.requireUseDevices(["gpu"])).message).toMatch(/covers cpu/);
    expect(denial(() => none.requireUseDevices([])).permission).toBe("use_devices");
  });

  it("matches an absolute glob against the absolute path", () => {
    expect(all.canReadEntry("/data/photos/2024/a.jpg", "2024/a.jpg")).toBe(true);
    expect(all.canReadEntry("/data/other/a.jpg", "a.jpg")).toBe(false);
  });

  it("compares paths by component, not by string prefix", () => {
    expect(isWithin("/data/photos2/a", "/data/photos")).toBe(false);
    expect(isWithin("/data/photos/a", "/data/photos")).toBe(true);
    expect(canonicalPath("/data/../etc/./x/../passwd")).toBe("/etc/passwd");
    const scoped = GrantSet.of("x.y", [{ kind: "read_entries", glob: "**" }], [{ index: 0, permission: { kind: "read_entries", glob: "**" }, scope: ["/data/photos"] }]);
    expect(scoped.canReadEntry("/data/photos2/a.jpg", "a.jpg")).toBe(false);
  });

  it("matches globs without regard to case (a camera's IMG_0001.JPG is a jpg)", () => {
    const spec = GrantSet.of("x.y", [{ kind: "read_entries", glob: "**/*.{jpg,png,heic}" }], [{ index: 0, permission: { kind: "read_entries", glob: "**/*.{jpg,png,heic}" }, scope: [] }]);
    expect(["DCIM/IMG_0001.JPG", "IMG_5195.HEIC", "a.Png"].map((p) => spec.canReadEntry(`/data/${p}`, p))).toEqual([true, true, true]);
    expect(spec.canReadEntry("/data/notes.txt", "notes.txt")).toBe(false);
  });

  it("checks write_files on files (glob and scope) and folders (scope)", () => {
    const permission: ManifestPermission = { kind: "write_files", glob: "**/*.jpg" };
    const files = GrantSet.of("x.y", [permission], [{ index: 0, permission, scope: ["/data/photos"] }]);
    expect(() => files.requireWriteFile("/data/photos/Albums/A.JPG", "Albums/A.JPG", "move a file")).not.toThrow();
    expect(denial(() => files.requireWriteFile("/data/photos/a.txt", "a.txt", "write a.txt")).message).toMatch(/does not match the write_files glob/);
    expect(denial(() => files.requireWriteFile("/data/other/a.jpg", "a.jpg", "move a file")).message).toMatch(/outside the folders the user granted write_files for/);
    expect(() => files.requireWriteDirectory("/data/photos/Albums/2024", "create a folder")).not.toThrow();
    expect(denial(() => files.requireWriteDirectory("/data/other", "create a folder")).permission).toBe("write_files");
    expect(denial(() => all.requireWriteFile("/data/photos/a.jpg", "a.jpg", "move a file")).message).toMatch(/did not request write_files \(add Permission\.writeFiles/);
  });
});
