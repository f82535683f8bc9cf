import { describe, expect, it } from "vitest";
import { requireKind, resolveFamily } from "./families.js";
import type { SessionInfo } from "./onnx.js";

const ultraface: SessionInfo = {
  inputs: [{ name: "input", type: "float32", shape: [1, 3, 240, 320] }],
  outputs: [{ name: "scores", type: "float32", shape: [1, 4420, 2] }, { name: "boxes", type: "float32", shape: [1, 4420, 4] }],
  loadMs: 1,
};
const detector = { kind: "face_detector" as const, input: { width: 320, height: 240 }, normalize: { mean: [127, 127, 127] as [number, number, number], std: [128, 128, 128] as [number, number, number] } };

describe("resolveFamily", () => {
  it("resolves a detector's input, outputs and preprocessing", () => {
    const resolved = resolveFamily("uf", detector, ultraface);
    expect(resolved).toMatchObject({ input: "input", scores: "scores", boxes: "boxes", landmarks: null, anchors: 4420 });
    expect(resolved.image).toMatchObject({ width: 320, height: 240, fit: "fill", mean: [127, 127, 127], layout: "nchw" });
  });

  it("lists every mismatch with its path (SDX3002)", () => {
    const error = (() => {
      try {
        resolveFamily("uf", { ...detector, input: { width: 640, height: 480 }, outputs: { boxes: "box" } }, ultraface);
      } catch (e) {
        return e as { code: string; data: { issues: Array<{ path: string; message: string }> } };
      }
      throw new Error("no error");
    })();
    expect(error.code).toBe("SDX3002");
    expect(error.data.issues.map((i) => i.path)).toEqual(["family.input", "family.outputs.boxes"]);
    expect(error.data.issues[0]!.message).toMatch(/\[1, 3, 240, 320\], expected \[1, 3, 480, 640\]/);
  });

  it("checks a classifier's labels against its classes", () => {
    const info: SessionInfo = { inputs: [{ name: "x", type: "float32", shape: ["N", 3, 4, 4] }], outputs: [{ name: "y", type: "float32", shape: ["N", 3] }], loadMs: 1 };
    const family = { kind: "image_classifier" as const, input: { width: 4, height: 4 }, labels: ["a", "b", "c"] };
    expect(resolveFamily("c", family, info)).toMatchObject({ input: "x", output: "y" });
    expect(() => resolveFamily("c", { ...family, labels: ["a", "b"] }, info)).toThrow(/does not match its declared family/);
  });

  it("says how to declare a family when there is none, or the wrong one", () => {
    expect(() => requireKind("m", null, "face_detector", "detectFaces")).toThrow(/declares no family.*family: \{ kind: "face_detector"/);
    expect(() => requireKind("m", detector, "face_embedder", "embedFace")).toThrow(/is a face_detector; embedFace needs a face_embedder/);
  });
});
