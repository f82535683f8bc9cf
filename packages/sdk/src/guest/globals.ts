/**
 * Installs the Web APIs the guest environment promises (guest-env.d.ts, implemented in web/) on a
 * global object, each only where absent: QuickJS has none of them, while Node (unit tests) keeps
 * its own. This is where they meet the host: web/ never imports the host bridge (a lint rule), so
 * the host's log, randomness and native UTF-8 codec are passed in here.
 */
import { callHostSync, hostAvailable } from "./host.js";
import { sendLog } from "./log.js";
import { createConsole } from "./web/console.js";
import { createCrypto } from "./web/crypto.js";
import { DOMExceptionImpl } from "./web/dom-exception.js";
import { structuredCloneImpl } from "./web/structured-clone.js";
import { GuestTextDecoder, GuestTextEncoder, useBulkCodec } from "./web/text-codec.js";
import { GuestURL } from "./web/url.js";
import { GuestURLSearchParams } from "./web/url-search-params.js";

type Target = Record<string, unknown>;

function define(target: Target, name: string, value: unknown): void {
  if (target[name] !== undefined) return;
  // Non-enumerable like the built-ins, but writable so that an author can still replace them.
  Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
}

/** Large one-shot encodes/decodes go to the host's native codec (falling back to JS if it fails). */
function useHostTextCodec(): void {
  useBulkCodec({
    encode: (text) => callHostSync("text.encode", { text }).bytes,
    decode: (bytes, fatal) => callHostSync("text.decode", { bytes: bytes as Uint8Array<ArrayBuffer>, fatal }).text,
  });
}

/** Returns the names it installed (for diagnostics and tests). Safe to call again: present globals are kept. */
export function installGlobals(target: object = globalThis): string[] {
  const t = target as Target;
  const names = ["TextEncoder", "TextDecoder", "URL", "URLSearchParams", "DOMException", "structuredClone", "console", "crypto"];
  const missing = names.filter((name) => t[name] === undefined);
  define(t, "TextEncoder", GuestTextEncoder);
  define(t, "TextDecoder", GuestTextDecoder);
  define(t, "URL", GuestURL);
  define(t, "URLSearchParams", GuestURLSearchParams);
  define(t, "DOMException", DOMExceptionImpl);
  define(t, "structuredClone", structuredCloneImpl);
  define(t, "console", createConsole((level, message) => sendLog(level, message)));
  define(t, "crypto", createCrypto((length) => callHostSync("crypto.randomBytes", { length }).bytes));
  if (hostAvailable()) useHostTextCodec();
  return missing;
}
