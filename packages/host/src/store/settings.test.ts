import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Manifest } from "@sdx/sdk/manifest";
import { Library } from "./library.js";
import { readSettings, writeSettings } from "./settings.js";

const manifest = {
  id: "org.example.settings",
  settings: [
    { name: "faceRecognition", label: "Faces", type: "boolean", default: true },
    { name: "modelSelector", label: "Model", type: "string", default: "local", options: ["local", "cloud"] },
    { name: "threshold", label: "Threshold", type: "number", default: 0.7 },
  ],
} as unknown as Manifest;

describe("extension settings", () => {
  it("returns defaults, then the user's validated values, across reopening", () => {
    const dir = mkdtempSync(join(tmpdir(), "sdx-settings-"));
    let library = Library.open(dir);
    expect(readSettings(library, manifest)).toEqual({ faceRecognition: true, modelSelector: "local", threshold: 0.7 });
    writeSettings(library, manifest, { faceRecognition: false, threshold: 0.5 });
    library.close();
    library = Library.open(dir);
    expect(readSettings(library, manifest)).toEqual({ faceRecognition: false, modelSelector: "local", threshold: 0.5 });
    expect(() => writeSettings(library, manifest, { modelSelector: "elsewhere" })).toThrow(/one of local, cloud/);
    expect(() => writeSettings(library, manifest, { threshold: "high" })).toThrow(/expects number/);
    expect(() => writeSettings(library, manifest, { nope: 1 })).toThrow(/no setting "nope"/);
    expect(readSettings(library, manifest).modelSelector).toBe("local");
    library.close();
  });
});
