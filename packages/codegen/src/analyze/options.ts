/**
 * Typed access to an options object, read statically. Wrong kinds and missing required options are
 * reported (SDX1008 unless the caller names a more specific code); dynamic values were already
 * reported by `readStatic` and read as absent, so one mistake gives one error. Decorators read
 * their options through `DecoratorOptions` (decorator-options.ts), which supplies names, kinds and
 * required-ness from the manifest's table; permission builders use this class directly.
 */
import { ts } from "../program/typescript.js";
import type { CodegenCode } from "../diagnostics/collector.js";
import { spanOf } from "../program/spans.js";
import type { FoundDecorator } from "../program/discover.js";
import type { AnalyzeContext } from "./context.js";
import { readStatic, type StaticProp, type StaticValue } from "./static-value.js";

export interface Read<T> {
  readonly value: T;
  readonly node: ts.Node;
}

/** How an option's literal is read; "structured" values (permissions, a setting's default) are read raw. */
export type StaticKind = "string" | "number" | "boolean" | "string[]" | "structured";
type Expected = Exclude<StaticKind, "structured">;

export class Options {
  private constructor(
    private readonly ctx: AnalyzeContext,
    readonly props: ReadonlyMap<string, StaticProp>,
    /** Where to point for a missing option: the object literal, or the decorator. */
    readonly owner: ts.Node,
    /** False when the options were dynamic or not an object (already reported). */
    readonly readable: boolean,
  ) {}

  /** Reads argument `index` of the decorator as an options object (absent → empty). */
  static of(decorator: FoundDecorator, ctx: AnalyzeContext, index = 0): Options {
    const arg = decorator.args?.[index];
    if (!arg) return new Options(ctx, new Map(), decorator.node, true);
    return Options.fromValue(readStatic(arg, ctx), ctx, decorator.node);
  }

  static fromValue(value: StaticValue, ctx: AnalyzeContext, fallbackOwner: ts.Node): Options {
    if (value.kind === "object") return new Options(ctx, value.props, value.node, true);
    if (value.kind === "undefined") return new Options(ctx, new Map(), fallbackOwner, true);
    if (value.kind !== "dynamic") ctx.diagnostics.error("SDX1008", spanOf(value.node), "Expected an options object { … }");
    return new Options(ctx, new Map(), fallbackOwner, false);
  }

  has(key: string): boolean {
    return this.props.has(key);
  }

  node(key: string): ts.Node {
    const prop = this.props.get(key);
    return prop ? prop.value.node : this.owner;
  }

  /** Reports options the decorator does not know (`code` defaults to SDX1008). */
  rejectUnknown(allowed: readonly string[], code: CodegenCode = "SDX1008"): void {
    for (const [key, prop] of this.props) {
      if (!allowed.includes(key)) {
        this.ctx.diagnostics.error(code, spanOf(prop.keyNode), `Unknown option "${key}"`, {
          hint: `Known options: ${allowed.join(", ")}.`,
        });
      }
    }
  }

  private missing(key: string, required: boolean, code: CodegenCode): undefined {
    if (required && this.readable) this.ctx.diagnostics.error(code, spanOf(this.owner), `Missing option "${key}"`);
    return undefined;
  }

  string(key: string, code: CodegenCode = "SDX1008", required = false): Read<string> | undefined {
    return this.read(key, "string", code, required) as Read<string> | undefined;
  }
  number(key: string, code: CodegenCode = "SDX1008", required = false): Read<number> | undefined {
    return this.read(key, "number", code, required) as Read<number> | undefined;
  }
  boolean(key: string, code: CodegenCode = "SDX1008", required = false): Read<boolean> | undefined {
    return this.read(key, "boolean", code, required) as Read<boolean> | undefined;
  }
  stringArray(key: string, code: CodegenCode = "SDX1008", required = false): Read<string[]> | undefined {
    return this.read(key, "string[]", code, required) as Read<string[]> | undefined;
  }

  /** The raw value (for options with their own structure, e.g. permissions). */
  raw(key: string): StaticValue | undefined {
    return this.props.get(key)?.value;
  }

  /** Reads `key` as `expected`, reporting a wrong kind (and a missing value when `required`). */
  read(key: string, expected: Expected, code: CodegenCode, required: boolean): Read<unknown> | undefined {
    const prop = this.props.get(key);
    if (!prop || prop.value.kind === "undefined") return this.missing(key, required, code);
    const value = prop.value;
    if (value.kind === "dynamic") return undefined;
    const got = toPlain(value, expected);
    if (got === undefined) {
      this.ctx.diagnostics.error(code, spanOf(value.node), `Option "${key}" must be ${expected === "string[]" ? "an array of strings" : `a ${expected}`}`);
      return undefined;
    }
    return { value: got, node: value.node };
  }
}

function toPlain(value: StaticValue, expected: Expected): unknown {
  switch (expected) {
    case "string":
    case "number":
    case "boolean":
      return value.kind === expected ? value.value : undefined;
    case "string[]": {
      if (value.kind !== "array") return undefined;
      const out: string[] = [];
      for (const item of value.items) {
        if (item.kind === "dynamic") continue;
        if (item.kind !== "string") return undefined;
        out.push(item.value);
      }
      return out;
    }
  }
}
