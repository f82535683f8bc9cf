/**
 * The settings class: the class with `@setting({ label, default })` fields (or `@settings()`),
 * usually the type of a property of the extension class (`config = new PhotosConfig()`).
 *
 * Input: candidate classes and the extension class. Output: `SettingsIR`. Reports SDX1025 (bad
 * label, default of the wrong type, default not among options, unsupported field type) and
 * SDX1035 (two settings classes).
 */
import { ts } from "../program/typescript.js";
import type { SettingFieldIR, SettingsIR, SettingType } from "../ir/ir.js";
import type { DecoratedClass } from "../program/discover.js";
import { spanOf } from "../program/spans.js";
import { classSymbol } from "./class-ref.js";
import type { AnalyzeContext } from "./context.js";
import { checkName } from "./names.js";
import { DecoratorOptions } from "./decorator-options.js";
import type { StaticValue } from "./static-value.js";

/** The setting type of a field's TypeScript type, plus the literals of a string-literal union. */
function settingType(type: ts.Type, checker: ts.TypeChecker): { type: SettingType; literals?: string[] } | null {
  const members = type.isUnion() ? type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined)) : [type];
  if (members.every((t) => t.flags & ts.TypeFlags.BooleanLike)) return { type: "boolean" };
  if (members.every((t) => t.flags & ts.TypeFlags.NumberLike)) return { type: "number" };
  if (members.every((t) => t.flags & ts.TypeFlags.String)) return { type: "string" };
  if (members.every((t) => t.isStringLiteral())) return { type: "string", literals: members.map((t) => (t as ts.StringLiteralType).value) };
  if (members.length === 1 && checker.isArrayType(members[0]!)) {
    const element = checker.getTypeArguments(members[0] as ts.TypeReference)[0];
    if (element && element.flags & ts.TypeFlags.StringLike) return { type: "string[]" };
  }
  return null;
}

function matches(value: StaticValue, type: SettingType): boolean {
  switch (type) {
    case "boolean":
    case "number":
    case "string":
      return value.kind === type;
    case "string[]":
      return value.kind === "array" && value.items.every((i) => i.kind === "string");
  }
}

function plain(value: StaticValue): SettingFieldIR["default"] | undefined {
  if (value.kind === "string" || value.kind === "number" || value.kind === "boolean") return value.value;
  if (value.kind === "array") return value.items.flatMap((i) => (i.kind === "string" ? [i.value] : []));
  return undefined;
}

function readField(member: ts.PropertyDeclaration, name: string, options: DecoratorOptions<"setting">, ctx: AnalyzeContext): SettingFieldIR | null {
  options.rejectUnknown("SDX1025");
  const label = options.string("label", "SDX1025");
  if (label && label.value.trim() === "") ctx.diagnostics.error("SDX1025", spanOf(label.node), `Setting "${name}" has an empty label`);
  const description = options.string("description", "SDX1025");
  const choices = options.stringArray("options", "SDX1025");

  const fieldType = settingType(ctx.checker.getTypeAtLocation(member), ctx.checker);
  if (!fieldType) {
    ctx.diagnostics.error("SDX1025", spanOf(member.type ?? member.name), `Setting "${name}" has type ${ctx.checker.typeToString(ctx.checker.getTypeAtLocation(member))}; settings are boolean, string, number or string[]`);
    return null;
  }
  const def = options.raw("default");
  if (!def || def.kind === "undefined") {
    if (options.readable) ctx.diagnostics.error("SDX1025", spanOf(options.owner), `Setting "${name}" needs a default`);
    return null;
  }
  if (def.kind === "dynamic") return null;
  if (!matches(def, fieldType.type)) {
    ctx.diagnostics.error("SDX1025", spanOf(def.node), `The default of setting "${name}" is not a ${fieldType.type}`);
    return null;
  }
  const value = plain(def)!;
  const allowed = choices?.value ?? fieldType.literals;
  if (allowed && typeof value === "string" && !allowed.includes(value)) {
    ctx.diagnostics.error("SDX1025", spanOf(def.node), `The default "${value}" of setting "${name}" is not one of its options (${allowed.join(", ")})`);
    return null;
  }
  if (!label || label.value.trim() === "") return null;
  return {
    name,
    label: label.value,
    type: fieldType.type,
    default: value,
    ...(description ? { description: description.value } : {}),
    ...(allowed ? { options: allowed } : {}),
    span: spanOf(member.name),
  };
}

export function analyzeSettings(candidates: readonly DecoratedClass[], extension: DecoratedClass | null, ctx: AnalyzeContext): SettingsIR | null {
  const [settings, ...extra] = candidates;
  if (!settings) return null;
  for (const other of extra) {
    ctx.diagnostics.error("SDX1035", spanOf(other.node.name ?? other.node), `${other.name} is a second settings class`, {
      notes: [{ message: `${settings.name} is the first`, span: spanOf(settings.node.name ?? settings.node) }],
    });
  }
  const fields: SettingFieldIR[] = [];
  for (const member of settings.members) {
    const decorator = member.decorators.find((d) => d.kind === "setting");
    if (!decorator || !ts.isPropertyDeclaration(member.node)) continue;
    if (!decorator.args?.length) {
      ctx.diagnostics.error("SDX1025", spanOf(decorator.node), `@setting needs { label, default }`);
      continue;
    }
    if (!checkName(member.name, member.node.name, "Setting", ctx)) continue;
    const field = readField(member.node, member.name, DecoratorOptions.of("setting", decorator, ctx), ctx);
    if (field) fields.push(field);
  }

  // The property of the extension class whose type is the settings class.
  let property: string | null = null;
  const target = classSymbol(settings.node, ctx);
  if (extension && target && extension !== settings) {
    for (const member of extension.node.members) {
      if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) continue;
      const type = ctx.checker.getTypeAtLocation(member);
      const symbol = type.getSymbol();
      if (symbol && ctx.sdk.resolve(symbol) === target) {
        property = member.name.text;
        break;
      }
    }
  }
  return { className: settings.name, property, fields };
}
