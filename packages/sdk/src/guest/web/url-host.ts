/**
 * Host parsing for the URL parser (WHATWG URL §3): IPv6 in brackets, IPv4 in all its legacy
 * forms (`0x7f.1`), opaque hosts of non-special schemes, and domains. Internationalized domains
 * are lower-cased, NFC-normalized and Punycode-encoded per label, which covers real-world names;
 * the full UTS #46 mapping table is not carried (it would triple the guest runtime).
 * Hosts are returned already serialized; `null` means failure.
 */
import { C0_CONTROL, percentDecode, percentEncode } from "./url-encode.js";

const FORBIDDEN_HOST = /[\0\t\n\r #/:<>?@[\\\]^|]/;
// eslint-disable-next-line no-control-regex -- C0 controls are exactly what is forbidden.
const FORBIDDEN_DOMAIN = /[\0-\x1f #%/:<>?@[\\\]^|\x7f]/;

export function parseHost(input: string, isOpaque: boolean): string | null {
  if (input.startsWith("[")) {
    if (!input.endsWith("]")) return null;
    const address = parseIPv6(input.slice(1, -1));
    return address ? `[${serializeIPv6(address)}]` : null;
  }
  if (isOpaque) {
    if (FORBIDDEN_HOST.test(input)) return null;
    return percentEncode(input, C0_CONTROL);
  }
  const ascii = domainToASCII(percentDecode(input));
  if (ascii === null || ascii === "" || FORBIDDEN_DOMAIN.test(ascii)) return null;
  if (endsInANumber(ascii)) {
    const ipv4 = parseIPv4(ascii);
    return ipv4 === null ? null : serializeIPv4(ipv4);
  }
  return ascii;
}

function domainToASCII(domain: string): string | null {
  // Ideographic full stops are label separators too (UTS #46 mapping).
  const mapped = domain.replace(/[\u3002\uff0e\uff61]/g, ".").toLowerCase();
  // An "xn--" label must be Punycode: basic code points only (a cheap stand-in for decoding it).
  if (mapped.split(".").some((label) => label.startsWith("xn--") && !/^xn--[a-z0-9-]*$/.test(label))) return null;
  if (/^[\0-\x7f]*$/.test(mapped)) return mapped;
  const normalized = mapped.normalize("NFC");
  const labels = normalized.split(".").map((label) => (/^[\0-\x7f]*$/.test(label) ? label : "xn--" + punycodeEncode(label)));
  return labels.join(".");
}

function endsInANumber(input: string): boolean {
  const parts = input.split(".");
  if (parts[parts.length - 1] === "") {
    if (parts.length === 1) return false;
    parts.pop();
  }
  const last = parts[parts.length - 1]!;
  if (last !== "" && /^[0-9]+$/.test(last)) return true;
  return parseIPv4Number(last) !== null;
}

function parseIPv4Number(input: string): number | null {
  if (input === "") return null;
  let radix = 10;
  if (/^0[xX]/.test(input)) {
    input = input.slice(2);
    radix = 16;
  } else if (input.length >= 2 && input.startsWith("0")) {
    input = input.slice(1);
    radix = 8;
  }
  if (input === "") return 0;
  const valid = radix === 10 ? /^[0-9]+$/ : radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
  if (!valid.test(input)) return null;
  return Number.parseInt(input, radix);
}

function parseIPv4(input: string): number | null {
  const parts = input.split(".");
  if (parts[parts.length - 1] === "" && parts.length > 1) parts.pop();
  if (parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Number(part);
    if (n === null) return null;
    numbers.push(n);
  }
  const last = numbers.pop()!;
  if (numbers.some((n) => n > 255)) return null;
  if (last >= 256 ** (4 - numbers.length)) return null;
  let ipv4 = last;
  numbers.forEach((n, i) => { ipv4 += n * 256 ** (3 - i); });
  return ipv4;
}

function serializeIPv4(address: number): string {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    out.unshift(address % 256);
    address = Math.floor(address / 256);
  }
  return out.join(".");
}

const isHexDigit = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

function parseIPv6(input: string): number[] | null {
  const address = [0, 0, 0, 0, 0, 0, 0, 0];
  let pieceIndex = 0;
  let compress: number | null = null;
  let p = 0;
  if (input[p] === ":") {
    if (input[p + 1] !== ":") return null;
    p += 2;
    compress = ++pieceIndex;
  }
  while (input[p] !== undefined) {
    if (pieceIndex === 8) return null;
    if (input[p] === ":") {
      if (compress !== null) return null;
      p++;
      compress = ++pieceIndex;
      continue;
    }
    let value = 0;
    let length = 0;
    while (length < 4 && isHexDigit(input[p])) {
      value = value * 0x10 + Number.parseInt(input[p]!, 16);
      p++;
      length++;
    }
    if (input[p] === ".") {
      if (length === 0) return null;
      p -= length;
      if (pieceIndex > 6) return null;
      let numbersSeen = 0;
      while (input[p] !== undefined) {
        let piece: number | null = null;
        if (numbersSeen > 0) {
          if (input[p] === "." && numbersSeen < 4) p++;
          else return null;
        }
        if (!isDigit(input[p])) return null;
        while (isDigit(input[p])) {
          const n = Number(input[p]);
          if (piece === null) piece = n;
          else if (piece === 0) return null;
          else piece = piece * 10 + n;
          if (piece > 255) return null;
          p++;
        }
        address[pieceIndex] = address[pieceIndex]! * 0x100 + piece!;
        numbersSeen++;
        if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
      }
      if (numbersSeen !== 4) return null;
      break;
    } else if (input[p] === ":") {
      p++;
      if (input[p] === undefined) return null;
    } else if (input[p] !== undefined) return null;
    address[pieceIndex++] = value;
  }
  if (compress !== null) {
    let swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex !== 0 && swaps > 0) {
      const t = address[compress + swaps - 1]!;
      address[compress + swaps - 1] = address[pieceIndex]!;
      address[pieceIndex] = t;
      pieceIndex--;
      swaps--;
    }
  } else if (pieceIndex !== 8) return null;
  return address;
}

function serializeIPv6(address: number[]): string {
  // Compress the first longest run of two or more zero pieces.
  let compress = -1;
  let best = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && address[j] === 0) j++;
    if (j - i > best) {
      best = j - i;
      compress = i;
    }
    i = j === i ? i + 1 : j;
  }
  let out = "";
  let ignoreZero = false;
  for (let i = 0; i < 8; i++) {
    if (ignoreZero && address[i] === 0) continue;
    ignoreZero = false;
    if (compress === i) {
      out += i === 0 ? "::" : ":";
      ignoreZero = true;
      continue;
    }
    out += address[i]!.toString(16);
    if (i !== 7) out += ":";
  }
  return out;
}

// ── Punycode (RFC 3492), encode only: the parser never needs to decode. ──
const BASE = 36, T_MIN = 1, T_MAX = 26, SKEW = 38, DAMP = 700;

function adapt(delta: number, points: number, first: boolean): number {
  delta = first ? Math.floor(delta / DAMP) : delta >> 1;
  delta += Math.floor(delta / points);
  let k = 0;
  while (delta > ((BASE - T_MIN) * T_MAX) >> 1) {
    delta = Math.floor(delta / (BASE - T_MIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - T_MIN + 1) * delta) / (delta + SKEW));
}

const digit = (d: number) => String.fromCharCode(d < 26 ? 97 + d : 22 + d);

function punycodeEncode(input: string): string {
  const cps = Array.from(input, (ch) => ch.codePointAt(0)!);
  let n = 128, delta = 0, bias = 72;
  let out = cps.filter((c) => c < 0x80).map((c) => String.fromCharCode(c)).join("");
  const basic = out.length;
  let handled = basic;
  if (basic > 0) out += "-";
  while (handled < cps.length) {
    const m = Math.min(...cps.filter((c) => c >= n));
    delta += (m - n) * (handled + 1);
    n = m;
    for (const c of cps) {
      if (c < n) delta++;
      if (c !== n) continue;
      let q = delta;
      for (let k = BASE; ; k += BASE) {
        const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
        if (q < t) break;
        out += digit(t + ((q - t) % (BASE - t)));
        q = Math.floor((q - t) / (BASE - t));
      }
      out += digit(q);
      bias = adapt(delta, handled + 1, handled === basic);
      delta = 0;
      handled++;
    }
    delta++;
    n++;
  }
  return out;
}
