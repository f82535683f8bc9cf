/**
 * `URLSearchParams` (URL Standard §6) over the `application/x-www-form-urlencoded` parser and
 * serializer. A params object made by a `URL` writes every change back to that URL's query.
 */
import { FORM, percentDecode, percentEncode } from "./url-encode.js";

export type SearchParamsInit = string | Record<string, string> | Iterable<readonly [string, string]> | Iterable<Iterable<string>>;

/** Parses `a=1&b=%20c+d` into pairs (`+` is a space; invalid UTF-8 becomes U+FFFD). */
export function parseForm(input: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const sequence of input.split("&")) {
    if (sequence === "") continue;
    const eq = sequence.indexOf("=");
    const name = eq === -1 ? sequence : sequence.slice(0, eq);
    const value = eq === -1 ? "" : sequence.slice(eq + 1);
    out.push([percentDecode(name.replace(/\+/g, " ")), percentDecode(value.replace(/\+/g, " "))]);
  }
  return out;
}

export function serializeForm(list: ReadonlyArray<readonly [string, string]>): string {
  return list.map(([n, v]) => `${percentEncode(n, FORM, true)}=${percentEncode(v, FORM, true)}`).join("&");
}

/** Lone surrogates become U+FFFD, as converting to a USVString does. */
const usv = (value: unknown) => String(value).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");

const owners = new WeakMap<GuestURLSearchParams, (serialized: string) => void>();
// The name-value lists, kept outside the objects so that url.ts can replace them without a public field.
const lists = new WeakMap<GuestURLSearchParams, Array<[string, string]>>();
const listOf = (params: GuestURLSearchParams) => lists.get(params)!;

/** Links params to a URL: `onUpdate` receives the new serialized query after each change. */
export function linkToUrl(params: GuestURLSearchParams, onUpdate: (serialized: string) => void): void {
  owners.set(params, onUpdate);
}

/** Replaces the list when the URL's query changes from the URL side (no write-back). */
export function resetList(params: GuestURLSearchParams, query: string | null): void {
  lists.set(params, query ? parseForm(query) : []);
}

export class GuestURLSearchParams {
  constructor(init: SearchParamsInit | GuestURLSearchParams = "") {
    const list: Array<[string, string]> = [];
    lists.set(this, list);
    if (typeof init === "string") {
      lists.set(this, parseForm(init.startsWith("?") ? init.slice(1) : init));
    } else if (init !== null && typeof init === "object" && typeof (init as Iterable<unknown>)[Symbol.iterator] === "function") {
      for (const pair of init as Iterable<Iterable<string>>) {
        const items = [...pair];
        if (items.length !== 2) throw new TypeError("Each query pair must be an iterable [name, value] tuple");
        list.push([usv(items[0]), usv(items[1])]);
      }
    } else if (init !== null && typeof init === "object") {
      for (const key of Object.keys(init)) list.push([usv(key), usv((init as Record<string, string>)[key])]);
    } else if (init !== undefined) {
      lists.set(this, parseForm(usv(init)));
    }
  }

  #update(): void {
    owners.get(this)?.(serializeForm(listOf(this)));
  }

  get size(): number {
    return listOf(this).length;
  }
  append(name: string, value: string): void {
    listOf(this).push([usv(name), usv(value)]);
    this.#update();
  }
  delete(name: string, value?: string): void {
    const n = usv(name), v = value === undefined ? undefined : usv(value);
    lists.set(this, listOf(this).filter(([k, val]) => k !== n || (v !== undefined && val !== v)));
    this.#update();
  }
  get(name: string): string | null {
    const n = usv(name);
    return listOf(this).find(([k]) => k === n)?.[1] ?? null;
  }
  getAll(name: string): string[] {
    const n = usv(name);
    return listOf(this).filter(([k]) => k === n).map(([, v]) => v);
  }
  has(name: string, value?: string): boolean {
    const n = usv(name), v = value === undefined ? undefined : usv(value);
    return listOf(this).some(([k, val]) => k === n && (v === undefined || val === v));
  }
  set(name: string, value: string): void {
    const n = usv(name), v = usv(value);
    const list = listOf(this);
    const first = list.findIndex(([k]) => k === n);
    if (first === -1) list.push([n, v]);
    else {
      list[first] = [n, v];
      lists.set(this, list.filter(([k], i) => k !== n || i === first));
    }
    this.#update();
  }
  sort(): void {
    // Array.prototype.sort is stable and compares UTF-16 code units, as the standard asks.
    listOf(this).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#update();
  }
  toString(): string {
    return serializeForm(listOf(this));
  }
  forEach(callback: (value: string, key: string, parent: GuestURLSearchParams) => void, thisArg?: unknown): void {
    for (let i = 0; i < listOf(this).length; i++) {
      const [k, v] = listOf(this)[i]!;
      callback.call(thisArg, v, k, this);
    }
  }
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < listOf(this).length; i++) yield [...listOf(this)[i]!];
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  get [Symbol.toStringTag](): string {
    return "URLSearchParams";
  }
}
