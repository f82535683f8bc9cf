/**
 * Installs the Web APIs the guest environment promises (guest-env.d.ts, implemented in web/) on a
 * global object, each only where absent: QuickJS has none of them, while Node (unit tests) keeps
 * its own. This is where they meet the host: web/ never imports the host bridge (a lint rule), so
 * the host's log, randomness and native UTF-8 codec are passed in here.
 *
 * Only `console` is built at install time. The others are getters that compile the bundled Web
 * APIs (web-apis.generated.ts) the first time any of them is read, then become plain values: a VM
 * pays for the ~47 KB only when its guest uses them (web/lazy-apis.ts says why).
 */
import { callHostSync, hostAvailable } from "./host.js";
import { sendLog } from "./log.js";
import { createConsole } from "./web/console.js";
import type * as LazyApis from "./web/lazy-apis.js";
import { WEB_APIS_SOURCE } from "./web-apis.generated.js";

type Target = Record<string, unknown>;
type WebApis = typeof LazyApis;

const LAZY: Record<string, (apis: WebApis) => unknown> = {
  TextEncoder: (apis) => apis.GuestTextEncoder,
  TextDecoder: (apis) => apis.GuestTextDecoder,
  URL: (apis) => apis.GuestURL,
  URLSearchParams: (apis) => apis.GuestURLSearchParams,
  DOMException: (apis) => apis.DOMExceptionImpl,
  structuredClone: (apis) => apis.structuredCloneImpl,
  crypto: (apis) => apis.createCrypto((length) => callHostSync("crypto.randomBytes", { length }).bytes),
};

let loaded: WebApis | null = null;

/** The bundled Web APIs, compiled once per VM (one copy: `instanceof DOMException` holds across them). */
function webApis(): WebApis {
  if (loaded) return loaded;
  // Global scope, no access to this module; the SDK's own code, bundled at SDK build time. In the
  // sandbox through the host's binding, which names it so stack traces show it as the runtime's;
  // elsewhere (Node's tests) an indirect eval.
  const evalRuntime = (globalThis as { __sdx_eval_runtime?: (source: string) => unknown }).__sdx_eval_runtime;
  const factory = (typeof evalRuntime === "function" ? evalRuntime(WEB_APIS_SOURCE) : (0, eval)(WEB_APIS_SOURCE)) as () => WebApis;
  const apis = factory();
  // Large one-shot encodes/decodes go to the host's native codec (falling back to JS if it fails).
  if (hostAvailable()) {
    apis.useBulkCodec({
      encode: (text) => callHostSync("text.encode", { text }).bytes,
      decode: (bytes, fatal) => callHostSync("text.decode", { bytes: bytes as Uint8Array<ArrayBuffer>, fatal }).text,
    });
  }
  loaded = apis;
  return apis;
}

/** Present: a value, or one of our getters (reading it would load what it stands for). */
function present(target: Target, name: string): boolean {
  const own = Object.getOwnPropertyDescriptor(target, name);
  if (own) return own.get !== undefined || own.value !== undefined;
  return target[name] !== undefined;
}

/** Non-enumerable like the built-ins, but writable so that an author can still replace them. */
function defineValue(target: Target, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
}

function defineLazy(target: Target, name: string, pick: (apis: WebApis) => unknown): void {
  Object.defineProperty(target, name, {
    configurable: true,
    enumerable: false,
    get() {
      const value = pick(webApis());
      defineValue(target, name, value);
      return value;
    },
    set(value: unknown) {
      defineValue(target, name, value);
    },
  });
}

/** Returns the names it installed (for diagnostics and tests). Safe to call again: present globals are kept. */
export function installGlobals(target: object = globalThis): string[] {
  const t = target as Target;
  const names = ["TextEncoder", "TextDecoder", "URL", "URLSearchParams", "DOMException", "structuredClone", "console", "crypto"];
  const missing = names.filter((name) => !present(t, name));
  for (const name of missing) {
    if (name === "console") defineValue(t, name, createConsole((level, message) => sendLog(level, message)));
    else defineLazy(t, name, LAZY[name]!);
  }
  return missing;
}
