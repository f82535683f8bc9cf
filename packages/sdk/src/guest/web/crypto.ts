/**
 * `crypto.getRandomValues` and `crypto.randomUUID` over a source of random bytes, which the
 * runtime passes in (guest/globals.ts: the host's CSPRNG, sync op `crypto.randomBytes`); QuickJS
 * has no randomness fit for this. UUIDs draw from a small pool so that generating many ids does not
 * cost a host call each, as Node does.
 */
import { DOMExceptionImpl } from "./dom-exception.js";

const MAX_BYTES = 65536;
const POOL_SIZE = 16 * 128;

type IntegerArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;
const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];

/** Returns `length` cryptographically random bytes (at most 65536 at a time). */
export type RandomBytes = (length: number) => Uint8Array;

export interface GuestCrypto {
  getRandomValues<T extends ArrayBufferView | null>(array: T): T;
  randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function createCrypto(randomBytes: RandomBytes): GuestCrypto {
  let pool: Uint8Array = new Uint8Array(0);
  let offset = 0;
  return {
    getRandomValues<T extends ArrayBufferView | null>(array: T): T {
      if (!INTEGER_ARRAYS.some((C) => array instanceof C)) {
        throw new DOMExceptionImpl("The data argument must be an integer-type TypedArray", "TypeMismatchError");
      }
      const view = array as unknown as IntegerArray;
      if (view.byteLength > MAX_BYTES) {
        throw new DOMExceptionImpl(
          `The ArrayBufferView's byte length (${view.byteLength}) exceeds the number of bytes of entropy available via this API (${MAX_BYTES})`,
          "QuotaExceededError",
        );
      }
      if (view.byteLength > 0) new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(randomBytes(view.byteLength));
      return array;
    },
    randomUUID() {
      if (offset + 16 > pool.length) {
        pool = randomBytes(POOL_SIZE);
        offset = 0;
      }
      const b = pool.subarray(offset, offset + 16);
      offset += 16;
      b[6] = (b[6]! & 0x0f) | 0x40; // version 4
      b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
      const h = (i: number) => HEX[b[i]!]!;
      return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
    },
  };
}
