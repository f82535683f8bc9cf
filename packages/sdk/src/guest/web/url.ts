/**
 * `URL` for the sandbox: the WHATWG API over `url-parser.ts`. No library in the workspace provides
 * a WHATWG URL without Node (core-js-pure and whatwg-url are not installed), so it is written here.
 */
import { USERINFO, percentEncode } from "./url-encode.js";
import { SPECIAL_SCHEMES, basicParse, serializePath, serializeUrl, type UrlRecord } from "./url-parser.js";
import { GuestURLSearchParams, linkToUrl, resetList } from "./url-search-params.js";

const records = new WeakMap<GuestURL, UrlRecord>();
const searchParamsOf = new WeakMap<GuestURL, GuestURLSearchParams>();

function recordOf(url: GuestURL): UrlRecord {
  const record = records.get(url);
  if (!record) throw new TypeError("Value of \"this\" must be of type URL");
  return record;
}

function parseOrThrow(input: string, base?: string | GuestURL): UrlRecord {
  let baseRecord: UrlRecord | null = null;
  if (base !== undefined) {
    baseRecord = base instanceof GuestURL ? recordOf(base) : basicParse(String(base), null);
    if (!baseRecord) throw new TypeError(`Invalid base URL: ${String(base)}`);
  }
  const record = basicParse(String(input), baseRecord);
  if (!record) throw new TypeError(`Invalid URL: ${String(input)}`);
  return record;
}

const cannotHaveCredentials = (u: UrlRecord) => u.host === null || u.host === "" || u.scheme === "file";

function stripTrailingSpacesFromOpaquePath(u: UrlRecord): void {
  if (typeof u.path !== "string" || u.fragment !== null || u.query !== null) return;
  u.path = u.path.replace(/ +$/, "");
}

export class GuestURL {
  constructor(url: string, base?: string | GuestURL) {
    records.set(this, parseOrThrow(url, base));
    const params = new GuestURLSearchParams();
    resetList(params, recordOf(this).query);
    linkToUrl(params, (serialized) => {
      const record = recordOf(this);
      record.query = serialized === "" ? null : serialized;
      if (record.query === null) stripTrailingSpacesFromOpaquePath(record);
    });
    searchParamsOf.set(this, params);
  }

  static canParse(url: string, base?: string): boolean {
    try {
      parseOrThrow(url, base);
      return true;
    } catch {
      return false;
    }
  }

  static parse(url: string, base?: string): GuestURL | null {
    try {
      return new GuestURL(url, base);
    } catch {
      return null;
    }
  }

  get href(): string {
    return serializeUrl(recordOf(this));
  }
  set href(value: string) {
    const record = parseOrThrow(value);
    records.set(this, record);
    resetList(searchParamsOf.get(this)!, record.query);
  }

  get origin(): string {
    const u = recordOf(this);
    if (u.scheme === "blob") {
      const inner = basicParse(serializePath(u), null);
      return inner && (inner.scheme === "http" || inner.scheme === "https") ? new GuestURL(serializeUrl(inner)).origin : "null";
    }
    if (u.scheme === "file" || !(u.scheme in SPECIAL_SCHEMES)) return "null";
    return `${u.scheme}://${u.host}${u.port === null ? "" : ":" + u.port}`;
  }

  get protocol(): string {
    return recordOf(this).scheme + ":";
  }
  set protocol(value: string) {
    basicParse(String(value) + ":", null, recordOf(this), "scheme start");
  }

  get username(): string {
    return recordOf(this).username;
  }
  set username(value: string) {
    const u = recordOf(this);
    if (!cannotHaveCredentials(u)) u.username = percentEncode(String(value), USERINFO);
  }

  get password(): string {
    return recordOf(this).password;
  }
  set password(value: string) {
    const u = recordOf(this);
    if (!cannotHaveCredentials(u)) u.password = percentEncode(String(value), USERINFO);
  }

  get host(): string {
    const u = recordOf(this);
    if (u.host === null) return "";
    return u.port === null ? u.host : `${u.host}:${u.port}`;
  }
  set host(value: string) {
    const u = recordOf(this);
    if (typeof u.path !== "string") basicParse(String(value), null, u, "host");
  }

  get hostname(): string {
    return recordOf(this).host ?? "";
  }
  set hostname(value: string) {
    const u = recordOf(this);
    if (typeof u.path !== "string") basicParse(String(value), null, u, "hostname");
  }

  get port(): string {
    const port = recordOf(this).port;
    return port === null ? "" : String(port);
  }
  set port(value: string) {
    const u = recordOf(this);
    if (cannotHaveCredentials(u)) return;
    if (String(value) === "") u.port = null;
    else basicParse(String(value), null, u, "port");
  }

  get pathname(): string {
    return serializePath(recordOf(this));
  }
  set pathname(value: string) {
    const u = recordOf(this);
    if (typeof u.path === "string") return;
    u.path = [];
    basicParse(String(value), null, u, "path start");
  }

  get search(): string {
    const q = recordOf(this).query;
    return q === null || q === "" ? "" : "?" + q;
  }
  set search(value: string) {
    const u = recordOf(this);
    const input = String(value);
    if (input === "") {
      u.query = null;
      resetList(searchParamsOf.get(this)!, null);
      stripTrailingSpacesFromOpaquePath(u);
      return;
    }
    u.query = "";
    basicParse(input.startsWith("?") ? input.slice(1) : input, null, u, "query");
    resetList(searchParamsOf.get(this)!, u.query);
  }

  get searchParams(): GuestURLSearchParams {
    return searchParamsOf.get(this)!;
  }

  get hash(): string {
    const f = recordOf(this).fragment;
    return f === null || f === "" ? "" : "#" + f;
  }
  set hash(value: string) {
    const u = recordOf(this);
    const input = String(value);
    if (input === "") {
      u.fragment = null;
      stripTrailingSpacesFromOpaquePath(u);
      return;
    }
    u.fragment = "";
    basicParse(input.startsWith("#") ? input.slice(1) : input, null, u, "fragment");
  }

  toString(): string {
    return this.href;
  }
  toJSON(): string {
    return this.href;
  }
  get [Symbol.toStringTag](): string {
    return "URL";
  }
}
