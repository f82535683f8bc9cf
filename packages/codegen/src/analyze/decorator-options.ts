/**
 * A decorator's options object, read against the options' one declaration: `DECORATOR_OPTIONS` in
 * `@sdx/sdk/manifest`. Which names a decorator accepts (the "Unknown option" error and its hint),
 * which are required, each option's static kind (the "must be a number" error), its allowed values
 * and its default all come from that table and the manifest field's zod schema. An analyzer adds
 * only the checks that need the program or several options (ranges, semver, trigger and event).
 *
 * Input: a found decorator. Output: typed reads of its options, with the diagnostics of `Options`.
 * Must not: know any decorator's option names itself.
 */
import type { ts } from "../program/typescript.js";
import type { z } from "zod";
import { DECORATOR_OPTIONS, type DecoratorName, type ManifestOptions, type OptionName } from "@sdx/sdk/manifest";
import type { CodegenCode } from "../diagnostics/collector.js";
import type { FoundDecorator } from "../program/discover.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";
import { Options, type Read, type StaticKind } from "./options.js";
import type { StaticValue } from "./static-value.js";

/** The zod def fields this module looks at (zod v4: `schema.def`). */
interface FieldDef {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly entries?: Readonly<Record<string, string | number>>;
  readonly values?: readonly unknown[];
}

function defOf(field: z.ZodType): FieldDef {
  const def = field.def as unknown as FieldDef;
  return def.type === "optional" || def.type === "nullable" ? defOf(def.innerType!) : def;
}

/** The literal kind an option is read as, from its manifest field; "structured" ones are read raw by their analyzer. */
export function staticKind(field: z.ZodType): StaticKind {
  const def = defOf(field);
  switch (def.type) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "enum":
    case "literal":
      return allowedValues(field)!.every((v) => typeof v === "string") ? "string" : "structured";
    case "array":
      return staticKind(def.element!) === "string" ? "string[]" : "structured";
    default:
      return "structured";
  }
}

/** The values an enum or literal field allows, in declaration order; null for other fields. */
export function allowedValues(field: z.ZodType): readonly unknown[] | null {
  const def = defOf(field);
  if (def.type === "enum") return Object.values(def.entries!);
  if (def.type === "literal") return def.values!;
  return null;
}

type Specs<D extends DecoratorName> = Readonly<Record<OptionName<D>, unknown>>;
type Field<D extends DecoratorName, K extends OptionName<D>> = Exclude<ManifestOptions<D>[K], undefined>;
/** The options of `D` whose manifest type is `V` (so `number("title")` does not compile). */
type KeysOf<D extends DecoratorName, V> = { [K in OptionName<D>]-?: [Field<D, K>] extends [V] ? K : never }[OptionName<D>];
/** Options whose values are a fixed set of strings. */
type EnumKeys<D extends DecoratorName> = { [K in KeysOf<D, string>]-?: string extends Field<D, K> ? never : K }[KeysOf<D, string>];
type DefaultKeys<D extends DecoratorName> = { [K in OptionName<D>]-?: (typeof DECORATOR_OPTIONS)[D]["options"][K] extends { default: unknown } ? K : never }[OptionName<D>];

/** The option names of `decorator`, in declaration order. */
export function optionNames<D extends DecoratorName>(decorator: D): Array<OptionName<D>> {
  return Object.keys(DECORATOR_OPTIONS[decorator].options) as Array<OptionName<D>>;
}

/** The manifest field an option becomes. */
export function optionField<D extends DecoratorName>(decorator: D, key: OptionName<D>): z.ZodType {
  return (DECORATOR_OPTIONS[decorator].schema.shape as Readonly<Record<string, z.ZodType>>)[key]!;
}

export class DecoratorOptions<D extends DecoratorName> {
  private constructor(
    readonly decorator: D,
    private readonly options: Options,
    private readonly ctx: AnalyzeContext,
  ) {}

  /** Reads the first argument of `found` (a `@decorator(...)`) as the options of `decorator`. */
  static of<D extends DecoratorName>(decorator: D, found: FoundDecorator, ctx: AnalyzeContext): DecoratorOptions<D> {
    return new DecoratorOptions(decorator, Options.of(found, ctx), ctx);
  }

  /** False when the options were dynamic or not an object (already reported). */
  get readable(): boolean {
    return this.options.readable;
  }
  /** Where a missing option is reported: the object literal, or the decorator. */
  get owner(): ts.Node {
    return this.options.owner;
  }
  has(key: OptionName<D>): boolean {
    return this.options.has(key);
  }
  node(key: OptionName<D>): ts.Node {
    return this.options.node(key);
  }
  /** The raw value, for options with their own structure (permissions, a setting's default). */
  raw(key: OptionName<D>): StaticValue | undefined {
    return this.options.raw(key);
  }

  /** Reports the options the table does not declare for this decorator. */
  rejectUnknown(code: CodegenCode = "SDX1008"): void {
    this.options.rejectUnknown(optionNames(this.decorator), code);
  }

  string(key: KeysOf<D, string>, code: CodegenCode = "SDX1008"): Read<string> | undefined {
    return this.read(key, "string", code) as Read<string> | undefined;
  }
  number(key: KeysOf<D, number>, code: CodegenCode = "SDX1008"): Read<number> | undefined {
    return this.read(key, "number", code) as Read<number> | undefined;
  }
  boolean(key: KeysOf<D, boolean>, code: CodegenCode = "SDX1008"): Read<boolean> | undefined {
    return this.read(key, "boolean", code) as Read<boolean> | undefined;
  }
  stringArray(key: KeysOf<D, readonly string[]>, code: CodegenCode = "SDX1008"): Read<string[]> | undefined {
    return this.read(key, "string[]", code) as Read<string[]> | undefined;
  }

  /** An enum option: one of the values its manifest field allows, or undefined (reported). */
  oneOf<K extends EnumKeys<D>>(key: K, code: CodegenCode = "SDX1008"): Field<D, K> | undefined {
    const read = this.string(key as KeysOf<D, string>, code);
    if (!read) return undefined;
    const allowed = allowedValues(optionField(this.decorator, key))!;
    if (!allowed.includes(read.value)) {
      this.ctx.diagnostics.error(code, spanOf(read.node), `Invalid ${key} "${read.value}"`, { hint: `${key} is one of: ${allowed.map((a) => `"${String(a)}"`).join(", ")}.` });
      return undefined;
    }
    return read.value as Field<D, K>;
  }

  /** The value the manifest gets when the author leaves `key` out. */
  default<K extends DefaultKeys<D>>(key: K): Field<D, K> {
    return ((DECORATOR_OPTIONS[this.decorator].options as Specs<D>)[key] as { default: Field<D, K> }).default;
  }

  private read(key: OptionName<D>, asked: Exclude<StaticKind, "structured">, code: CodegenCode): Read<unknown> | undefined {
    const kind = staticKind(optionField(this.decorator, key));
    // The typed getters only accept keys of their kind; this guards the table against a zod field the kinds do not cover.
    if (kind !== asked) throw new Error(`@${this.decorator} option "${key}" is declared as ${kind}, read as ${asked}`);
    const required = (DECORATOR_OPTIONS[this.decorator].options as Specs<D>)[key] === "required";
    return this.options.read(key, asked, code, required);
  }
}
