/**
 * The WHATWG URL basic parser (URL Standard §4.4) as a state machine over code points, with the
 * state overrides the `URL` setters need, and the serializer. Validation errors that do not cause
 * failure are not reported (the Web API does not expose them either). Returns `null` on failure.
 */
import { C0_CONTROL, FRAGMENT, PATH, QUERY, SPECIAL_QUERY, USERINFO, percentEncode } from "./url-encode.js";
import { parseHost } from "./url-host.js";

export interface UrlRecord {
  scheme: string;
  username: string;
  password: string;
  /** Serialized host; `""` is the empty host, `null` no host. */
  host: string | null;
  port: number | null;
  /** Segments, or one string for an opaque path (`mailto:x`). */
  path: string[] | string;
  query: string | null;
  fragment: string | null;
}

export const SPECIAL_SCHEMES: Record<string, number | null> = { ftp: 21, file: null, http: 80, https: 443, ws: 80, wss: 443 };

export type State =
  | "scheme start" | "scheme" | "no scheme" | "special relative or authority" | "path or authority" | "relative"
  | "relative slash" | "special authority slashes" | "special authority ignore slashes" | "authority" | "host"
  | "hostname" | "port" | "file" | "file slash" | "file host" | "path start" | "path" | "opaque path" | "query" | "fragment";

export const isSpecial = (url: UrlRecord) => url.scheme in SPECIAL_SCHEMES;
// Char-code tests, not regexes: these run once per input code point.
const isAlpha = (c: string | undefined) => c !== undefined && c.length === 1 && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));
const isDigit = (c: string | undefined) => c !== undefined && c.length === 1 && c >= "0" && c <= "9";
const isDriveLetter = (s: string) => s.length === 2 && isAlpha(s[0]) && (s[1] === ":" || s[1] === "|");
const isNormalizedDriveLetter = (s: string) => s.length === 2 && isAlpha(s[0]) && s[1] === ":";
const SINGLE_DOT = new Set([".", "%2e"]);
const DOUBLE_DOT = new Set(["..", ".%2e", "%2e.", "%2e%2e"]);

function startsWithDriveLetter(cps: string[], from: number): boolean {
  return cps.length - from >= 2 && isDriveLetter(cps[from]! + cps[from + 1]!)
    && (cps.length - from === 2 || "/\\?#".includes(cps[from + 2]!));
}

function shortenPath(url: UrlRecord): void {
  const path = url.path as string[];
  if (url.scheme === "file" && path.length === 1 && isNormalizedDriveLetter(path[0]!)) return;
  path.pop();
}

export const hasCredentials = (url: UrlRecord) => url.username !== "" || url.password !== "";

export function emptyRecord(): UrlRecord {
  return { scheme: "", username: "", password: "", host: null, port: null, path: [], query: null, fragment: null };
}

export function basicParse(rawInput: string, base: UrlRecord | null, given?: UrlRecord, override?: State): UrlRecord | null {
  let input = rawInput;
  if (!given) input = input.replace(/^[\0-\x20]+|[\0-\x20]+$/g, "");
  input = input.replace(/[\t\n\r]/g, "");
  const url = given ?? emptyRecord();
  const cps = Array.from(input);
  let state: State = override ?? "scheme start";
  let buffer = "";
  let atSignSeen = false, insideBrackets = false, passwordTokenSeen = false;

  for (let p = 0; p <= cps.length; p++) {
    const c = cps[p]; // undefined is EOF
    const special = isSpecial(url);
    switch (state) {
      case "scheme start":
        if (isAlpha(c)) { buffer += c!.toLowerCase(); state = "scheme"; }
        else if (!override) { state = "no scheme"; p--; }
        else return null;
        break;
      case "scheme":
        if (isAlpha(c) || isDigit(c) || c === "+" || c === "-" || c === ".") buffer += c!.toLowerCase();
        else if (c === ":") {
          if (override) {
            const bufferSpecial = buffer in SPECIAL_SCHEMES;
            if (special !== bufferSpecial) return url;
            if ((hasCredentials(url) || url.port !== null) && buffer === "file") return url;
            if (url.scheme === "file" && url.host === "") return url;
          }
          url.scheme = buffer;
          if (override) {
            if (url.port === SPECIAL_SCHEMES[url.scheme]) url.port = null;
            return url;
          }
          buffer = "";
          if (url.scheme === "file") state = "file";
          else if (isSpecial(url) && base && base.scheme === url.scheme) state = "special relative or authority";
          else if (isSpecial(url)) state = "special authority slashes";
          else if (cps[p + 1] === "/") { state = "path or authority"; p++; }
          else { url.path = ""; state = "opaque path"; }
        } else if (!override) { buffer = ""; state = "no scheme"; p = -1; }
        else return null;
        break;
      case "no scheme":
        if (!base || (typeof base.path === "string" && c !== "#")) return null;
        if (typeof base.path === "string" && c === "#") {
          Object.assign(url, { scheme: base.scheme, path: base.path, query: base.query, fragment: "" });
          state = "fragment";
        } else { state = base.scheme !== "file" ? "relative" : "file"; p--; }
        break;
      case "special relative or authority":
        if (c === "/" && cps[p + 1] === "/") { state = "special authority ignore slashes"; p++; }
        else { state = "relative"; p--; }
        break;
      case "path or authority":
        if (c === "/") state = "authority";
        else { state = "path"; p--; }
        break;
      case "relative":
        url.scheme = base!.scheme;
        if (c === "/" || (isSpecial(url) && c === "\\")) state = "relative slash";
        else {
          Object.assign(url, { username: base!.username, password: base!.password, host: base!.host, port: base!.port,
            path: [...base!.path], query: base!.query });
          if (c === "?") { url.query = ""; state = "query"; }
          else if (c === "#") { url.fragment = ""; state = "fragment"; }
          else if (c !== undefined) { url.query = null; shortenPath(url); state = "path"; p--; }
        }
        break;
      case "relative slash":
        if (special && (c === "/" || c === "\\")) state = "special authority ignore slashes";
        else if (c === "/") state = "authority";
        else {
          Object.assign(url, { username: base!.username, password: base!.password, host: base!.host, port: base!.port });
          state = "path";
          p--;
        }
        break;
      case "special authority slashes":
        state = "special authority ignore slashes";
        if (c === "/" && cps[p + 1] === "/") p++;
        else p--;
        break;
      case "special authority ignore slashes":
        if (c !== "/" && c !== "\\") { state = "authority"; p--; }
        break;
      case "authority":
        if (c === "@") {
          if (atSignSeen) buffer = "%40" + buffer;
          atSignSeen = true;
          for (const cp of buffer) {
            if (cp === ":" && !passwordTokenSeen) { passwordTokenSeen = true; continue; }
            const encoded = percentEncode(cp, USERINFO);
            if (passwordTokenSeen) url.password += encoded;
            else url.username += encoded;
          }
          buffer = "";
        } else if (c === undefined || c === "/" || c === "?" || c === "#" || (special && c === "\\")) {
          if (atSignSeen && buffer === "") return null;
          p -= Array.from(buffer).length + 1;
          buffer = "";
          state = "host";
        } else buffer += c;
        break;
      case "host":
      case "hostname":
        if (override && url.scheme === "file") { p--; state = "file host"; }
        else if (c === ":" && !insideBrackets) {
          if (buffer === "") return null;
          if (override === "hostname") return null;
          const host = parseHost(buffer, !special);
          if (host === null) return null;
          url.host = host;
          buffer = "";
          state = "port";
        } else if (c === undefined || c === "/" || c === "?" || c === "#" || (special && c === "\\")) {
          p--;
          if (special && buffer === "") return null;
          if (override && buffer === "" && (hasCredentials(url) || url.port !== null)) return null;
          const host = parseHost(buffer, !special);
          if (host === null) return null;
          url.host = host;
          buffer = "";
          state = "path start";
          if (override) return url;
        } else {
          if (c === "[") insideBrackets = true;
          if (c === "]") insideBrackets = false;
          buffer += c;
        }
        break;
      case "port":
        if (isDigit(c)) buffer += c;
        else if (c === undefined || c === "/" || c === "?" || c === "#" || (special && c === "\\") || override) {
          if (buffer !== "") {
            const port = Number.parseInt(buffer, 10);
            if (port > 65535) return null;
            url.port = port === SPECIAL_SCHEMES[url.scheme] ? null : port;
            buffer = "";
            if (override) return url;
          }
          if (override) return null;
          state = "path start";
          p--;
        } else return null;
        break;
      case "file":
        url.scheme = "file";
        url.host = "";
        if (c === "/" || c === "\\") state = "file slash";
        else if (base && base.scheme === "file") {
          url.host = base.host;
          url.path = [...base.path];
          url.query = base.query;
          if (c === "?") { url.query = ""; state = "query"; }
          else if (c === "#") { url.fragment = ""; state = "fragment"; }
          else if (c !== undefined) {
            url.query = null;
            if (!startsWithDriveLetter(cps, p)) shortenPath(url);
            else url.path = [];
            state = "path";
            p--;
          }
        } else { state = "path"; p--; }
        break;
      case "file slash":
        if (c === "/" || c === "\\") state = "file host";
        else {
          if (base && base.scheme === "file") {
            url.host = base.host;
            if (!startsWithDriveLetter(cps, p) && Array.isArray(base.path) && base.path[0] !== undefined
              && isNormalizedDriveLetter(base.path[0])) (url.path as string[]).push(base.path[0]);
          }
          state = "path";
          p--;
        }
        break;
      case "file host":
        if (c === undefined || c === "/" || c === "\\" || c === "?" || c === "#") {
          p--;
          if (!override && isDriveLetter(buffer)) state = "path";
          else if (buffer === "") {
            url.host = "";
            if (override) return url;
            state = "path start";
          } else {
            let host = parseHost(buffer, !special);
            if (host === null) return null;
            if (host === "localhost") host = "";
            url.host = host;
            if (override) return url;
            buffer = "";
            state = "path start";
          }
        } else buffer += c;
        break;
      case "path start":
        if (special) {
          state = "path";
          if (c !== "/" && c !== "\\") p--;
        } else if (!override && c === "?") { url.query = ""; state = "query"; }
        else if (!override && c === "#") { url.fragment = ""; state = "fragment"; }
        else if (c !== undefined) { state = "path"; if (c !== "/") p--; }
        else if (override && url.host === null) (url.path as string[]).push("");
        break;
      case "path": {
        const slash = c === "/" || (special && c === "\\");
        if (c === undefined || slash || (!override && (c === "?" || c === "#"))) {
          const segment = buffer.toLowerCase();
          const path = url.path as string[];
          if (DOUBLE_DOT.has(segment)) {
            shortenPath(url);
            if (!slash) path.push("");
          } else if (SINGLE_DOT.has(segment) && !slash) path.push("");
          else if (!SINGLE_DOT.has(segment)) {
            if (url.scheme === "file" && path.length === 0 && isDriveLetter(buffer)) buffer = buffer[0] + ":";
            path.push(buffer);
          }
          buffer = "";
          if (c === "?") { url.query = ""; state = "query"; }
          if (c === "#") { url.fragment = ""; state = "fragment"; }
        } else buffer += percentEncode(c, PATH);
        break;
      }
      case "opaque path":
        if (c === "?") { url.query = ""; state = "query"; }
        else if (c === "#") { url.fragment = ""; state = "fragment"; }
        else if (c !== undefined) url.path += percentEncode(c, C0_CONTROL);
        break;
      case "query":
        if ((!override && c === "#") || c === undefined) {
          url.query = (url.query ?? "") + percentEncode(buffer, special ? SPECIAL_QUERY : QUERY);
          buffer = "";
          if (c === "#") { url.fragment = ""; state = "fragment"; }
        } else buffer += c;
        break;
      case "fragment":
        if (c !== undefined) url.fragment += percentEncode(c, FRAGMENT);
        break;
    }
  }
  return url;
}

export function serializePath(url: UrlRecord): string {
  return typeof url.path === "string" ? url.path : url.path.map((s) => "/" + s).join("");
}

export function serializeUrl(url: UrlRecord, excludeFragment = false): string {
  let out = url.scheme + ":";
  if (url.host !== null) {
    out += "//";
    if (hasCredentials(url)) out += url.username + (url.password !== "" ? ":" + url.password : "") + "@";
    out += url.host;
    if (url.port !== null) out += ":" + url.port;
  } else if (Array.isArray(url.path) && url.path.length > 1 && url.path[0] === "") out += "/.";
  out += serializePath(url);
  if (url.query !== null) out += "?" + url.query;
  if (!excludeFragment && url.fragment !== null) out += "#" + url.fragment;
  return out;
}
