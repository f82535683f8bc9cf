/**
 * Every stable error code sdx emits, with its message and fix hint: SDX1xxx codegen, SDX2xxx
 * bundle, SDX3xxx host. Tests and docs key on the code; the wording may improve, the code never
 * changes meaning. The three ranges live in `codes/` so each stage owns its part.
 * @see docs/troubleshooting.md
 */
import { CODEGEN_CODES } from "./codes/codegen.js";
import { BUNDLE_CODES } from "./codes/bundle.js";
import { HOST_CODES } from "./codes/host.js";
import type { ErrorClassName } from "./errors.js";

export interface CodeInfo {
  /** Short title of the problem. */
  readonly title: string;
  /** How to fix it. */
  readonly hint: string;
  /** The class of the error tree (errors.ts) the code is raised as; absent for SDX1xxx, which are build diagnostics. */
  readonly error?: ErrorClassName;
}

export const CODES = { ...CODEGEN_CODES, ...BUNDLE_CODES, ...HOST_CODES } as const satisfies Record<string, CodeInfo>;
export type Code = keyof typeof CODES;

export function codeInfo(code: string): CodeInfo | undefined {
  return (CODES as Record<string, CodeInfo>)[code];
}
