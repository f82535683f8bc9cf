/**
 * The guest environment: what extension code can use besides ES2023. The host installs these in
 * the sandbox; anything not listed here (fetch, timers, require, process, WebAssembly) is absent.
 * @see docs/guest-environment.md
 */
export {};

declare global {
  interface TextEncoderEncodeIntoResult { read: number; written: number }
  class TextEncoder {
    readonly encoding: "utf-8";
    encode(input?: string): Uint8Array;
    encodeInto(source: string, destination: Uint8Array): TextEncoderEncodeIntoResult;
  }
  class TextDecoder {
    constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
    readonly encoding: string;
    readonly fatal: boolean;
    decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string;
  }
  interface Console {
    log(...data: unknown[]): void;
    info(...data: unknown[]): void;
    warn(...data: unknown[]): void;
    error(...data: unknown[]): void;
    debug(...data: unknown[]): void;
    trace(...data: unknown[]): void;
  }
  /** Routed to the extension's log (`sdx run` prints it; the host stores it). */
  var console: Console;
  interface Crypto {
    randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
    getRandomValues<T extends ArrayBufferView | null>(array: T): T;
  }
  /** Host-provided randomness. */
  var crypto: Crypto;
  class URLSearchParams {
    constructor(init?: string | Record<string, string> | Array<[string, string]>);
    append(name: string, value: string): void;
    delete(name: string): void;
    get(name: string): string | null;
    getAll(name: string): string[];
    has(name: string): boolean;
    set(name: string, value: string): void;
    sort(): void;
    toString(): string;
    forEach(callback: (value: string, key: string) => void): void;
    entries(): IterableIterator<[string, string]>;
    keys(): IterableIterator<string>;
    values(): IterableIterator<string>;
    [Symbol.iterator](): IterableIterator<[string, string]>;
  }
  class URL {
    constructor(url: string, base?: string | URL);
    static canParse(url: string, base?: string): boolean;
    hash: string; host: string; hostname: string; href: string; readonly origin: string;
    password: string; pathname: string; port: string; protocol: string; search: string;
    readonly searchParams: URLSearchParams; username: string;
    toString(): string;
    toJSON(): string;
  }
  function structuredClone<T>(value: T): T;
  class DOMException extends Error {
    constructor(message?: string, name?: string);
    readonly code: number;
  }
}
