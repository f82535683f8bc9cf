/**
 * The Web APIs a guest gets on first use instead of at VM start: `npm run gen:web` bundles this
 * module into guest/web-apis.generated.ts as a string, and guest/globals.ts compiles that string
 * the first time a guest reads one of these globals. QuickJS compiles a whole script before it
 * runs any of it, so code a guest never calls still costs start time: these ~47 KB were a quarter of
 * the time to compile the Photos bundle. `console` is not here: nearly every guest logs.
 *
 * Must not: import anything outside web/ (the lint fence), or keep state another copy would need
 * (tests import the modules directly, the guest gets this bundle's own copies).
 */
export { DOMExceptionImpl } from "./dom-exception.js";
export { createCrypto } from "./crypto.js";
export { structuredCloneImpl } from "./structured-clone.js";
export { GuestTextDecoder, GuestTextEncoder, useBulkCodec } from "./text-codec.js";
export { GuestURL } from "./url.js";
export { GuestURLSearchParams } from "./url-search-params.js";
