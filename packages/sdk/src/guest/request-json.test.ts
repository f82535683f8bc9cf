/**
 * The hot calls' hand-built request JSON (models.get, models.create) must be exactly the text
 * `encodeMessage` writes for the same payload: the host cannot tell them apart, so it accepts and
 * refuses the same requests with the same messages.
 */
import { describe, expect, it } from "vitest";
import { encodeMessage } from "../protocol/codec.js";
import { ModelCatalog } from "./models.js";
import { manifest, Note, Notes } from "./__tests__/fixture-extension.js";
import type { ModelScopeRef } from "../types/data.js";

const catalog = () => new ModelCatalog({ manifest, extensionClass: Notes, models: { Note } });

const strings = [
  "0b6c1e2a-1111-4222-8333-444455556666", "", "quote \" and backslash \\", "tab\tnewline\n", "\u001f\u0000", "é ✓ 😀", "\ud800 lone surrogate", "</script>",
];

describe("models.get request JSON", () => {
  it("is the text encodeMessage writes, for every key and string", () => {
    const c = catalog();
    for (const type of ["Note", "with \"quote\""]) {
      for (const by of ["uuid", "content", "entry"] as const) {
        for (const value of strings) {
          expect(c.getRequestPrefix(type, by) + JSON.stringify(value) + "}}").toBe(encodeMessage({ modelType: type, by: { [by]: value } }).json);
        }
      }
    }
  });
});

describe("models.create request JSON", () => {
  const scopes: ModelScopeRef[] = [{ content: strings[0]! }, { entry: "e \"1\"" }, { standalone: true }];
  const datas: Array<Record<string, unknown>> = [
    {}, { words: 3, title: "t" }, { nested: { a: [1, "x", null, true], b: { c: strings[2] } } }, { when: new Date(0), n: -0, big: 1e300, nan: NaN },
    { s: strings[6], u: strings[5] },
  ];
  const blobsList: Array<Record<string, unknown>> = [{}, { vector: [0.5, 0.25] }];

  it("is the text encodeMessage writes, for each scope, data and blobs", () => {
    const c = catalog();
    for (const scope of scopes) {
      for (const data of datas) {
        for (const blobs of blobsList) {
          expect(c.createRequestJson("Note", scope, data, blobs)).toBe(encodeMessage({ modelType: "Note", scope, data, blobs }).json);
        }
      }
    }
  });

  it("leaves binary, bigint and unusual scopes to encodeMessage (null)", () => {
    const c = catalog();
    expect(c.createRequestJson("Note", scopes[0]!, { v: new Float32Array(2) }, {})).toBeNull();
    expect(c.createRequestJson("Note", scopes[0]!, {}, { v: new Uint8Array(2) })).toBeNull();
    expect(c.createRequestJson("Note", scopes[0]!, { n: 1n }, {})).toBeNull();
    expect(c.createRequestJson("Note", { content: 7 } as unknown as ModelScopeRef, {}, {})).toBeNull();
    expect(c.createRequestJson("Note", { content: "a", entry: "b" } as unknown as ModelScopeRef, {}, {})).toBeNull();
  });
});
