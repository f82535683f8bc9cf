/**
 * `@extension({...})`: identity, requirements and permissions of the extension class.
 *
 * Input: the decorated class. Output: `ExtensionInfoIR` (null when the options are unreadable).
 * Reports SDX1003 (id), SDX1004 (versions), SDX1005/1006/1033 (permissions), SDX1028 (features),
 * SDX1039 (store listing: author, license, homepage, repository, icon), SDX1008 (other options),
 * SDX1034 (class not exported), SDX1019 (init's context).
 * Must not: look at the class's methods beyond `init` (jobs etc. have their own analyzers).
 */
import fs from "node:fs";
import path from "node:path";
import { ts } from "../program/typescript.js";
// One function through require(): importing all of semver from ESM costs ~35 ms more at every build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import semverValid = require("semver/functions/valid");
import { EXTENSION_ID_PATTERN, ICON_PATTERN, isSpdxExpression, manifestSchema } from "@sdx/sdk/manifest";
import type { ClassRef, ExtensionInfoIR } from "../ir/ir.js";
import type { DecoratedClass, FoundDecorator } from "../program/discover.js";
import { spanOf } from "../program/spans.js";
import { classRef } from "./class-ref.js";
import type { AnalyzeContext } from "./context.js";
import { DecoratorOptions } from "./decorator-options.js";
import type { Read } from "./options.js";
import { checkContextParam } from "./params.js";
import { readPermissions } from "./permissions.js";
import type { Span } from "../diagnostics/diagnostic.js";

/** The `CoreFeature` literals, read from the sdk through the decorator's own signature. */
function coreFeatures(decorator: FoundDecorator, ctx: AnalyzeContext): Set<string> {
  const call = decorator.node.expression;
  const callee = ts.isCallExpression(call) ? call.expression : call;
  const signature = ctx.checker.getTypeAtLocation(callee).getCallSignatures()[0];
  const optionsParam = signature?.getParameters()[0];
  const features = new Set<string>();
  if (!optionsParam) return features;
  const optionsType = ctx.checker.getTypeOfSymbol(optionsParam);
  const prop = optionsType.getProperty("requiredFeatures");
  if (!prop) return features;
  const arrayType = ctx.checker.getTypeOfSymbol(prop);
  const element = ctx.checker.isArrayType(arrayType) ? ctx.checker.getTypeArguments(arrayType as ts.TypeReference)[0] : undefined;
  for (const t of element?.isUnion() ? element.types : element ? [element] : []) {
    if (t.isStringLiteral()) features.add(t.value);
  }
  return features;
}

export function isSemver(value: string): boolean {
  return semverValid(value) === value;
}

/** The version read for `key` (with code SDX1004), if it is a semantic version (else SDX1004). */
export function checkSemver(read: Read<string> | undefined, key: string, ctx: AnalyzeContext): string | undefined {
  if (!read) return undefined;
  if (!isSemver(read.value)) {
    ctx.diagnostics.error("SDX1004", spanOf(read.node), `"${read.value}" is not a semantic version (${key})`);
    return undefined;
  }
  return read.value;
}

export function fallbackRef(cls: DecoratedClass): ClassRef {
  return { className: cls.name, module: cls.node.getSourceFile().fileName, exportName: cls.name, span: spanOf(cls.node.name ?? cls.node) };
}

/** `permissionSpans`, when given, receives the place of each requested permission (for the permission checks). */
export function analyzeExtension(cls: DecoratedClass, decorator: FoundDecorator, ctx: AnalyzeContext, permissionSpans?: Span[]): ExtensionInfoIR | null {
  let ref = classRef(cls.node, ctx);
  if (!ref) {
    ctx.diagnostics.error("SDX1034", spanOf(cls.node.name ?? cls.node), `The @extension class ${cls.name} is not exported`);
    ref = fallbackRef(cls);
  }
  const options = DecoratorOptions.of("extension", decorator, ctx);
  if (!decorator.args) ctx.diagnostics.error("SDX1008", spanOf(decorator.node), "@extension needs its options: @extension({ id, name, version, … })");
  options.rejectUnknown();

  const id = options.string("id", "SDX1003");
  if (id && !EXTENSION_ID_PATTERN.test(id.value)) {
    ctx.diagnostics.error("SDX1003", spanOf(id.node), `"${id.value}" is not a lower-case reverse-DNS id`);
  }
  const name = options.string("name");
  if (name && name.value.trim() === "") ctx.diagnostics.error("SDX1008", spanOf(name.node), "The extension name is empty");
  const version = checkSemver(options.string("version", "SDX1004"), "version", ctx);
  const minCoreVersion = checkSemver(options.string("minCoreVersion", "SDX1004"), "minCoreVersion", ctx);
  const description = options.string("description");

  const features: string[] = [];
  const known = coreFeatures(decorator, ctx);
  const rawFeatures = options.raw("requiredFeatures");
  if (!rawFeatures && options.readable) ctx.diagnostics.error("SDX1008", spanOf(options.owner), `Missing option "requiredFeatures"`);
  if (rawFeatures?.kind === "array") {
    for (const item of rawFeatures.items) {
      if (item.kind === "dynamic") continue;
      if (item.kind !== "string" || !known.has(item.value)) {
        ctx.diagnostics.error("SDX1028", spanOf(item.node), `Unknown required feature ${item.kind === "string" ? `"${item.value}"` : item.node.getText()}`, {
          hint: `Use one of: ${[...known].join(", ")}.`,
        });
      } else if (!features.includes(item.value)) features.push(item.value);
    }
  } else if (rawFeatures && rawFeatures.kind !== "dynamic") {
    ctx.diagnostics.error("SDX1008", spanOf(rawFeatures.node), `Option "requiredFeatures" must be an array`);
  }

  const permissions = options.readable ? readPermissions(options.raw("permissions"), options.owner, ctx, permissionSpans) : [];
  const listing = storeListing(options, ctx);

  let hasInit = false;
  for (const member of cls.node.members) {
    if (ts.isMethodDeclaration(member) && ts.isIdentifier(member.name) && member.name.text === "init") {
      hasInit = true;
      checkContextParam(member, "ExtensionContext", "init()", ctx);
    }
  }

  if (!id || !name || !version || !minCoreVersion || !description) return null;
  return {
    classRef: ref,
    id: id.value,
    name: name.value,
    version,
    description: description.value,
    minCoreVersion,
    requiredFeatures: features,
    permissions,
    ...listing,
    hasInit,
  };
}

type Listing = Pick<ExtensionInfoIR, "author" | "license" | "homepage" | "repository" | "icon">;

/** What a store lists (author, license, homepage, repository, icon): optional, checked when given (SDX1039). */
function storeListing(options: DecoratorOptions<"extension">, ctx: AnalyzeContext): Listing {
  const out: { -readonly [K in keyof Listing]: Listing[K] } = {};
  const bad = (read: Read<string>, message: string) => ctx.diagnostics.error("SDX1039", spanOf(read.node), message);
  const author = options.string("author");
  if (author) {
    if (author.value.trim() === "" || author.value.length > 200) bad(author, "The author is empty or longer than 200 characters");
    else out.author = author.value;
  }
  const license = options.string("license");
  if (license) {
    if (!isSpdxExpression(license.value)) bad(license, `"${license.value}" is not an SPDX license expression`);
    else out.license = license.value;
  }
  for (const key of ["homepage", "repository"] as const) {
    const url = options.string(key);
    if (!url) continue;
    if (!manifestSchema.shape[key].safeParse(url.value).success) bad(url, `The ${key} "${url.value}" is not an http(s) URL`);
    else out[key] = url.value;
  }
  const icon = options.string("icon");
  if (icon) {
    if (!ICON_PATTERN.test(icon.value)) bad(icon, `The icon "${icon.value}" is not a .png or .svg file under assets/`);
    else if (!fs.existsSync(path.join(ctx.projectDir, icon.value))) bad(icon, `The icon ${icon.value} does not exist in the project`);
    else out.icon = icon.value;
  }
  return out;
}
