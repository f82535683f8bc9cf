import { inspect as nodeInspect, format as nodeFormat } from "node:util";
import { beforeEach, describe, expect, it } from "vitest";
import { MemoryHost } from "./__tests__/memory-host.js";
import { installGlobals } from "./globals.js";
import { formatArgs, inspect } from "./web/inspect.js";
import type { GuestConsole } from "./web/console.js";
import type { GuestCrypto } from "./web/crypto.js";
import { BULK_MIN, type GuestTextDecoder, type GuestTextEncoder } from "./web/text-codec.js";

let host: MemoryHost;
let target: Record<string, unknown>;

beforeEach(() => {
  host = new MemoryHost();
  host.install();
  target = {};
});

describe("installGlobals", () => {
  it("installs every promised global where absent, and nothing that is present", () => {
    expect(installGlobals(target)).toEqual(["TextEncoder", "TextDecoder", "URL", "URLSearchParams", "DOMException", "structuredClone", "console", "crypto"]);
    expect(Object.keys(target)).toEqual([]); // non-enumerable, like built-ins
    const mine = { log() {} };
    expect(installGlobals({ console: mine })).not.toContain("console");
    expect(installGlobals(globalThis)).toEqual([]); // Node has them all: nothing replaced
  });
});

describe("console", () => {
  it("routes each method to the log op at the right level, formatted like Node", () => {
    installGlobals(target);
    const console = target.console as GuestConsole;
    console.log("count %d of %s: %j", 3, "files", { a: 1 }, "extra", [1, "x"]);
    console.info({ nested: { deep: { deeper: { deepest: 1 } } }, list: [1, 2] });
    console.warn(new Map([["k", new Set([1])]]), 12n, null, undefined, Symbol("s"));
    console.error("%o%%", "quoted");
    console.debug(function namedFn() {}, class Klass {}, new Date(0), /re/g);
    console.trace("here");
    console.assert(Number("1") === 2, "math", "broke");
    expect(host.logs.map((l) => l.level)).toEqual(["info", "info", "warn", "error", "debug", "trace", "error"]);
    expect(host.logs[0]!.message).toBe(nodeFormat("count %d of %s: %j", 3, "files", { a: 1 }, "extra", [1, "x"]));
    expect(host.logs[1]!.message).toBe(nodeInspect({ nested: { deep: { deeper: { deepest: 1 } } }, list: [1, 2] }));
    expect(host.logs[2]!.message).toBe("Map(1) { 'k' => Set(1) { 1 } } 12n null undefined Symbol(s)");
    expect(host.logs[3]!.message).toBe("'quoted'%");
    expect(host.logs[4]!.message).toBe("[Function: namedFn] [class Klass] 1970-01-01T00:00:00.000Z /re/g");
    expect(host.logs[5]!.message).toMatch(/^Trace: here\n\s+at /);
    expect(host.logs[6]!.message).toBe("Assertion failed: math broke");
  });

  it("inspects like Node for common shapes, marks cycles, and survives a failing host", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    expect(inspect(cyclic)).toBe("{ name: 'loop', self: [Circular] }");
    for (const value of [[1, [2, [3, [4, [5]]]]], { "a-b": 1, c: "it's" }, new Uint8Array([1, 2]), [], {}, -0, "top", new Error("e").message]) {
      expect(inspect(value)).toBe(nodeInspect(value));
    }
    expect(inspect(Array.from({ length: 120 }, (_, i) => i))).toContain("... 20 more items");
    expect(formatArgs([])).toBe("");
    installGlobals(target);
    delete (globalThis as Record<string, unknown>).__sdx_call_sync;
    expect(() => (target.console as GuestConsole).log("dropped")).not.toThrow();
  });
});

describe("crypto", () => {
  it("randomUUID gives distinct RFC 4122 v4 ids from host randomness", () => {
    installGlobals(target);
    const crypto = target.crypto as GuestCrypto;
    const ids = new Set(Array.from({ length: 2000 }, () => crypto.randomUUID()));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Pooled: 2000 ids cost a handful of host calls, not 2000.
    expect(host.opsCalled().filter((op) => op === "crypto.randomBytes").length).toBeLessThan(20);
  });

  it("getRandomValues fills integer arrays in place, within the Web API limits", () => {
    installGlobals(target);
    const crypto = target.crypto as GuestCrypto;
    const backing = new Uint8Array(64);
    const view = new Uint32Array(backing.buffer, 16, 8);
    expect(crypto.getRandomValues(view)).toBe(view);
    expect(backing.subarray(0, 16).every((b) => b === 0)).toBe(true);
    expect(backing.subarray(16, 48).some((b) => b !== 0)).toBe(true);
    expect(backing.subarray(48).every((b) => b === 0)).toBe(true);
    expect(crypto.getRandomValues(new Uint8Array(65536)).length).toBe(65536);
    expect(() => crypto.getRandomValues(new Uint8Array(65537))).toThrow(expect.objectContaining({ name: "QuotaExceededError" }));
    expect(() => crypto.getRandomValues(new Float32Array(4))).toThrow(expect.objectContaining({ name: "TypeMismatchError" }));
  });
});

describe("text codec through the host", () => {
  it("sends large one-shot inputs to the host's native codec with the same results, BOM and fatal included", () => {
    installGlobals(target);
    // The installed globals: the bundled copy of web/ that a guest gets (web/lazy-apis.ts).
    const Encoder = target.TextEncoder as typeof GuestTextEncoder;
    const Decoder = target.TextDecoder as typeof GuestTextDecoder;
    const text = "héllo 👍 ".repeat(BULK_MIN);
    const bytes = new TextEncoder().encode(text);
    expect(new Encoder().encode(text)).toEqual(bytes);
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]);
    const doubleBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bom]);
    for (const input of [bytes, bom, doubleBom]) {
      for (const ignoreBOM of [false, true]) {
        expect(new Decoder("utf-8", { ignoreBOM }).decode(input)).toBe(new TextDecoder("utf-8", { ignoreBOM }).decode(input));
      }
    }
    expect(host.opsCalled()).toContain("text.decode");
    expect(host.opsCalled()).toContain("text.encode");
    const invalid = new Uint8Array([...bytes, 0xff]);
    expect(() => new Decoder("utf-8", { fatal: true }).decode(invalid)).toThrow(TypeError); // host refused, JS path threw
    expect(new Decoder().decode(invalid)).toBe(new TextDecoder().decode(invalid));
    expect(new Decoder().decode(bytes.subarray(0, 10), { stream: true })).toBe("héllo "); // streams stay in JS (3 bytes pending)
  });
});

describe("loading on first use", () => {
  it("installs getters that compile the Web APIs once, on first read, then hold plain values", () => {
    installGlobals(target);
    for (const name of ["TextEncoder", "TextDecoder", "URL", "URLSearchParams", "DOMException", "structuredClone", "crypto"]) {
      expect(typeof Object.getOwnPropertyDescriptor(target, name)!.get, name).toBe("function");
    }
    expect(typeof Object.getOwnPropertyDescriptor(target, "console")!.value).toBe("object"); // built at once
    expect(installGlobals(target)).toEqual([]); // installing again reads no getter
    expect(typeof Object.getOwnPropertyDescriptor(target, "URL")!.get).toBe("function");

    const URLClass = target.URL as typeof URL;
    expect(new URLClass("../b?x=1", "https://example.com/a/").href).toBe("https://example.com/b?x=1");
    expect(URLClass.name).toBe("GuestURL");
    expect(Object.getOwnPropertyDescriptor(target, "URL")).toMatchObject({ value: URLClass, writable: true, enumerable: false });
    // One bundle: the error structuredClone throws is an instance of the installed DOMException.
    const clone = target.structuredClone as typeof structuredClone;
    let thrown: unknown;
    try {
      clone(() => 1);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(target.DOMException as typeof DOMException);
    expect((thrown as DOMException).name).toBe("DataCloneError");
  });

  it("lets an author replace a global before or after it loaded", () => {
    installGlobals(target);
    target.URL = "mine";
    expect(target.URL).toBe("mine");
    void target.TextEncoder;
    target.TextEncoder = "also mine";
    expect(target.TextEncoder).toBe("also mine");
  });
});
