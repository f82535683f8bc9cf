/**
 * Turns values into log text the way Node's `util.format`/`util.inspect` do (a compact subset):
 * authors read these lines in `sdx run` output and expect them to look like Node's console.
 */

const MAX_ITEMS = 100;
const LINE_WIDTH = 72;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Quotes like Node: single quotes unless the string holds one, then double quotes, then backticks. */
function quote(s: string): string {
  const mark = !s.includes("'") ? "'" : !s.includes('"') ? '"' : !s.includes("`") ? "`" : "'";
  const escaped = s.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!);
  return mark + (mark === "'" ? escaped.replace(/'/g, "\\'") : escaped) + mark;
}

function functionText(fn: (...args: never[]) => unknown): string {
  const source = Function.prototype.toString.call(fn);
  if (source.startsWith("class")) return `[class ${fn.name || "(anonymous)"}]`;
  return fn.name ? `[Function: ${fn.name}]` : "[Function (anonymous)]";
}

function constructorName(obj: object): string | null {
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto === null) return null;
  const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === "string" ? ctor.name : "";
}

function wrap(open: string, items: string[], close: string, indent: string): string {
  if (items.length === 0) return `${open}${close}`;
  const single = `${open} ${items.join(", ")} ${close}`;
  if (single.length <= LINE_WIDTH && !single.includes("\n")) return single;
  const inner = indent + "  ";
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${indent}${close}`;
}

function formatKey(key: string): string {
  return IDENTIFIER.test(key) ? key : quote(key);
}

function inspectValue(value: unknown, depth: number, level: number, seen: object[], indent: string): string {
  switch (typeof value) {
    case "string": return quote(value);
    case "number": return Object.is(value, -0) ? "-0" : String(value);
    case "bigint": return `${value}n`;
    case "symbol": return value.toString();
    case "function": return functionText(value as (...args: never[]) => unknown);
    case "undefined": return "undefined";
    case "boolean": return String(value);
  }
  if (value === null) return "null";
  const obj = value as object;
  if (seen.includes(obj)) return "[Circular]";
  if (obj instanceof Error) {
    const head = obj.stack && obj.stack.includes(obj.message) ? obj.stack : `${obj.name}: ${obj.message}${obj.stack ? `\n${obj.stack}` : ""}`;
    return level === 0 ? head : `[${head.split("\n")[0]}]`;
  }
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
  if (obj instanceof RegExp) return String(obj);
  if (obj instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${obj.byteLength} }`;
  if (obj instanceof Promise) return "Promise { <unknown> }";
  if (obj instanceof DataView) return `DataView { byteLength: ${obj.byteLength}, byteOffset: ${obj.byteOffset} }`;

  const name = constructorName(obj);
  const isArray = Array.isArray(obj);
  if (level > depth) return isArray ? "[Array]" : `[${name || "Object"}]`;
  const next = (v: unknown) => inspectValue(v, depth, level + 1, [...seen, obj], indent + "  ");
  const items: string[] = [];

  if (isArray || ArrayBuffer.isView(obj)) {
    const list = obj as ArrayLike<unknown>;
    const shown = Math.min(list.length, MAX_ITEMS);
    for (let i = 0; i < shown; i++) items.push(next(list[i]));
    if (list.length > shown) items.push(`... ${list.length - shown} more item${list.length - shown === 1 ? "" : "s"}`);
    if (isArray) return wrap("[", items, "]", indent);
    return wrap(`${name}(${list.length}) [`, items, "]", indent);
  }
  if (obj instanceof Map) {
    for (const [k, v] of obj) items.push(`${next(k)} => ${next(v)}`);
    return wrap(`Map(${obj.size}) {`, items, "}", indent);
  }
  if (obj instanceof Set) {
    for (const v of obj) items.push(next(v));
    return wrap(`Set(${obj.size}) {`, items, "}", indent);
  }
  for (const key of Object.keys(obj)) {
    items.push(`${formatKey(key)}: ${next((obj as Record<string, unknown>)[key])}`);
  }
  const prefix = name === null ? "[Object: null prototype] " : name && name !== "Object" ? `${name} ` : "";
  return prefix + wrap("{", items, "}", indent);
}

/** Node-like `util.inspect` (depth 2, strings quoted, circular references marked). */
export function inspect(value: unknown, depth = 2): string {
  return inspectValue(value, depth, 0, [], "");
}

/** Node-like `util.format`: `%s %d %i %f %j %o %O %c %%` in a leading string, then the rest joined by spaces. */
export function formatArgs(args: readonly unknown[]): string {
  if (args.length === 0) return "";
  const first = args[0];
  let rest = 1;
  let out: string;
  if (typeof first === "string" && first.includes("%")) {
    out = first.replace(/%([sdifjoOc%])/g, (match, spec: string) => {
      if (spec === "%") return "%";
      if (rest >= args.length) return match;
      const arg = args[rest++];
      switch (spec) {
        case "s": return typeof arg === "bigint" ? `${arg}n` : typeof arg === "object" && arg !== null ? inspect(arg, 1) : typeof arg === "symbol" ? arg.toString() : String(arg);
        case "d": return typeof arg === "bigint" ? `${arg}n` : typeof arg === "object" ? "NaN" : String(Number(arg));
        case "i": return typeof arg === "bigint" ? `${arg}n` : String(Number.parseInt(String(arg), 10));
        case "f": return String(Number.parseFloat(String(arg)));
        case "j": try { return JSON.stringify(arg) ?? "undefined"; } catch { return "[Circular]"; }
        case "c": return "";
        default: return typeof arg === "string" ? quote(arg) : inspect(arg, 4);
      }
    });
  } else {
    out = typeof first === "string" ? first : inspect(first);
  }
  for (let i = rest; i < args.length; i++) {
    const arg = args[i];
    out += " " + (typeof arg === "string" ? arg : inspect(arg));
  }
  return out;
}
