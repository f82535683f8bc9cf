/** VmStrings gives the guest exactly the strings the library's newString/getString give, both ways. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuickJSContext, QuickJSRuntime } from "quickjs-emscripten-core";
import { newQuickJSModule } from "./quickjs-module.js";
import { VmStrings } from "./vm-strings.js";

const samples = [
  "", "short", "x".repeat(16), '{"ok":true,"value":{"model":null}}', "é ✓ 😀 ".repeat(20), "lone \ud800 high and \udc00 low ".repeat(2),
  "tail surrogate \ud83d", "nul \u0000 inside, then more text", "\u001f separators \u001f".repeat(5), "a".repeat(70_000), "ü".repeat(30_000),
];

describe("VmStrings", () => {
  let runtime: QuickJSRuntime;
  let ctx: QuickJSContext;
  let strings: VmStrings;
  beforeAll(async () => {
    const { module } = await newQuickJSModule(64 * 1024 * 1024);
    runtime = module.newRuntime();
    ctx = runtime.newContext();
    strings = new VmStrings(ctx);
  });
  afterAll(() => {
    ctx.dispose();
    runtime.dispose();
  });

  // What the guest sees: its length and a hash of its UTF-16 code units.
  const inGuest = (handle: ReturnType<QuickJSContext["newString"]>): string => {
    const fn = ctx.unwrapResult(ctx.evalCode("(s) => { let h = 0; for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0; return s.length + ':' + h; }"));
    const described = ctx.unwrapResult(ctx.callFunction(fn, ctx.undefined, handle));
    const text = ctx.getString(described);
    described.dispose();
    fn.dispose();
    return text;
  };

  it("puts the same string into the VM as the library", () => {
    for (const text of samples) {
      const fast = strings.newString(text);
      const library = ctx.newString(text);
      expect(inGuest(fast)).toBe(inGuest(library));
      fast.dispose();
      library.dispose();
    }
  });

  it("reads the same string out of the VM as the library", () => {
    for (const text of samples) {
      const handle = ctx.newString(text);
      expect(strings.getString(handle)).toBe(ctx.getString(handle));
      handle.dispose();
    }
    // Strings the guest built itself (lone surrogates included).
    const made = ctx.unwrapResult(ctx.evalCode("'\\ud800' + 'x'.repeat(40) + String.fromCharCode(0xdc00) + '😀'"));
    expect(strings.getString(made)).toBe(ctx.getString(made));
    made.dispose();
  });
});
