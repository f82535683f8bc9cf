/**
 * Native image libraries, loaded on first use. Importing sharp loads libvips (~180 ms on this
 * machine, cold) and exifr ~40 ms: a host that never touches an image (a job over text files,
 * `sdx jobs`, a test host) should not pay for them at startup. Each is imported once per thread.
 */
import type SharpModule from "sharp";
import type ExifrModule from "exifr";

export type SharpFactory = typeof SharpModule;

let sharp: Promise<SharpFactory> | null = null;
let exifr: Promise<typeof ExifrModule> | null = null;

export function loadSharp(): Promise<SharpFactory> {
  sharp ??= import("sharp").then((module) => module.default);
  return sharp;
}

export function loadExifr(): Promise<typeof ExifrModule> {
  exifr ??= import("exifr").then((module) => module.default);
  return exifr;
}
