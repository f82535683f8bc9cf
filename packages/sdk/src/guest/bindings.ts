/**
 * The contract between the generated guest entry (written by the codegen into
 * `generated/entry.ts`) and the guest runtime: the entry imports the author's classes and calls
 * `startGuest(bindings)`, which installs `globalThis.__sdx_guest` (see `GuestExports` in
 * `protocol.ts`).
 */
import type { Manifest } from "../manifest.js";

export type AnyConstructor = new () => object;

export interface GuestBindings {
  /** The full manifest (the guest uses names, options and blob fields from it). */
  manifest: Manifest;
  /** The `@extension` class; instantiated once per invocation with no arguments. */
  extensionClass: AnyConstructor;
  /** `@model` classes by model type name (`manifest.models[].name`). */
  models: Record<string, AnyConstructor>;
  /** The `@agentMemory` class, when there is one. */
  memoryClass?: AnyConstructor;
  /** Property of the extension class that holds the settings object (e.g. `"config"`), when there is one. */
  settingsProperty?: string;
}
