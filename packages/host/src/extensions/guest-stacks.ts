/**
 * Guest stack traces, pointed at the author's TypeScript. QuickJS names a frame of the bundle's
 * guest code `at fn (<instance>.guest.js:line:col)` (1-based line and column); the bundle's source
 * map (`sdx.guest.map`, written by `sdx build`) turns that into `at fn (src/index.ts:41:7)`.
 * Frames of the SDK's runtime are not in the map (the build leaves them out), nor are those of code
 * it evaluates itself (`sdx:runtime`, its Web APIs): a run of them becomes one `at … (sdx runtime)`
 * line, so a stack shows the author's frames and where the SDK was between.
 *
 * Used wherever a guest's text reaches the user: the errors of invocations (jobs.db, `sdx run`,
 * `sdx jobs show`) and log lines. Mapping is idempotent: mapped text has no `.guest.js:` left.
 */
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import type { LoadedBundle } from "@sdx/bundle-format";
import type { WireError, WireResult } from "@sdx/sdk/protocol";
import { RUNTIME_FILE, type SandboxInstance } from "@sdx/sandbox";

/** `(name.guest.js:12:5)` or a bare `name.guest.js:12:5`; the instance name may hold `#`. */
const FRAME = /^(\s*at )(.*?)(?: \((?:[^()\n]*?)\.guest\.js:(\d+):(\d+)\)|(?:[^\s()]*?)\.guest\.js:(\d+):(\d+))\s*$/;
const NATIVE = /^\s*at .*\(native\)\s*$/;
/** Code the SDK evaluated itself (`__sdx_eval_runtime`: its Web APIs), not in any map. */
const RUNTIME_FRAME = new RegExp(`^(\\s*at ).*\\(${RUNTIME_FILE}:\\d+:\\d+\\)\\s*$`);
const RUNTIME = "sdx runtime";

export class GuestStacks {
  private static readonly cache = new WeakMap<LoadedBundle, GuestStacks>();
  private readonly map: TraceMap | null;

  private constructor(sourceMap: string | null) {
    let map: TraceMap | null = null;
    try {
      map = sourceMap ? new TraceMap(sourceMap) : null;
    } catch {
      map = null; // a bundle's map that cannot be read leaves stacks as they are
    }
    this.map = map;
  }

  /** The mapper of a bundle (one per loaded bundle). */
  static of(bundle: Pick<LoadedBundle, "guestSourceMap"> | undefined): GuestStacks {
    if (!bundle) return new GuestStacks(null);
    const key = bundle as LoadedBundle;
    let stacks = GuestStacks.cache.get(key);
    if (!stacks) GuestStacks.cache.set(key, (stacks = new GuestStacks(bundle.guestSourceMap ?? null)));
    return stacks;
  }

  /** Whether this bundle carries a map (without one, text is returned unchanged). */
  get mapped(): boolean {
    return this.map !== null;
  }

  /** `text` with every guest frame line mapped; other lines unchanged. */
  mapText(text: string): string {
    if (!this.map || !text.includes(".guest.js:")) return text;
    const lines: Array<{ kind: "frame" | "native" | "runtime" | "text"; text: string }> = [];
    for (const line of text.split("\n")) {
      const frame = line.match(FRAME);
      if (!frame) {
        const runtime = line.match(RUNTIME_FRAME);
        if (runtime) lines.push({ kind: "runtime", text: `${runtime[1]}… (${RUNTIME})` });
        else lines.push({ kind: NATIVE.test(line) ? "native" : "text", text: line });
        continue;
      }
      const [, prefix, fn, l1, c1, l2, c2] = frame;
      const position = originalPositionFor(this.map, { line: Number(l1 ?? l2), column: Math.max(0, Number(c1 ?? c2) - 1) });
      if (position.source === null) {
        lines.push({ kind: "runtime", text: `${prefix}… (${RUNTIME})` });
        continue;
      }
      const where = `${position.source}:${position.line}:${position.column + 1}`;
      lines.push({ kind: "frame", text: fn ? `${prefix}${fn} (${where})` : `${prefix}${where}` });
    }
    // A run of runtime frames, with the native calls between them and at its ends, is one line.
    const out: string[] = [];
    for (let i = 0; i < lines.length; ) {
      let j = i;
      while (j < lines.length && (lines[j]!.kind === "runtime" || lines[j]!.kind === "native")) j++;
      const run = lines.slice(i, j);
      const runtime = run.find((l) => l.kind === "runtime");
      if (runtime) out.push(runtime.text);
      else out.push(...run.map((l) => l.text));
      if (j < lines.length) out.push(lines[j]!.text);
      i = j + 1;
    }
    return out.join("\n");
  }

  /** The error with its stack mapped, and the stacks of its causes (`data.cause`, as `TaskFailed` carries). */
  mapError(error: WireError): WireError {
    if (!this.map) return error;
    const mapped: WireError = { ...error };
    if (typeof error.stack === "string") mapped.stack = this.mapText(error.stack);
    const data = error.data as { cause?: unknown } | undefined;
    const cause = data?.cause as WireError | undefined;
    if (cause && typeof cause === "object" && typeof cause.code === "string") {
      mapped.data = { ...data, cause: this.mapError(cause) };
    }
    return mapped;
  }
}

/** `instance`, whose failed invocations come back with their stacks mapped. */
export function withGuestStacks(instance: SandboxInstance, stacks: GuestStacks): SandboxInstance {
  if (!stacks.mapped) return instance;
  const mapResult = <T>(result: WireResult<T>): WireResult<T> => (result.ok ? result : { ok: false, error: stacks.mapError(result.error) });
  return {
    get name() {
      return instance.name;
    },
    get stats() {
      return instance.stats;
    },
    warm: async () => mapResult(await instance.warm()),
    invoke: async (invocation, options) => mapResult(await instance.invoke(invocation, options)),
    dispose: () => instance.dispose(),
  };
}
