/**
 * Floating promises: SDK calls an invocation started and never awaited. Without this, a call that
 * fails (say `ctx.vdfs().addTagToContent(…)` without `await`, refused for a missing permission) is
 * lost: the job "completes" and nothing is logged. QuickJS gives the host no rejection tracker, so
 * the guest runtime tracks the promises it hands out itself.
 *
 * Every promise an SDK method returns to the author is marked (its prototype becomes one whose
 * `then` records that someone handled it; `await`, `.then`, `.catch`, `.finally`, `Promise.all`
 * all go through `then` for such a promise). When the invocation's method has settled, the
 * runtime waits for the marked promises nobody handled; those that rejected are failures of the
 * invocation (invoke.ts: SDX3040, and each is logged as an error).
 *
 * Cost: a prototype change and a map insertion per SDK call, and an `await` of a marked promise
 * takes the spec's thenable path (two promise jobs more than a native promise; ~2–3 µs in QuickJS). The call site is not captured (a stack
 * per call would cost about a third of a host call); the build's `floating-promise` warning points
 * at un-awaited calls, and the failure names the method.
 */

/** A promise nobody handled by the end of the invocation that rejected. */
export interface FloatingFailure {
  /** The SDK method that returned it, e.g. `vdfs.addTagToContent`. */
  method: string;
  error: unknown;
}

const nativeThen = Promise.prototype.then;
/**
 * The current invocation's marked promises not handled yet, each with the SDK method that returned
 * it (invocations in a VM run one at a time). One map, not a set and a WeakMap: two operations per
 * call fewer, and only unhandled promises ever need their method's name.
 */
let unhandled: Map<Promise<unknown>, string> | null = null;

/** Not the `Promise` constructor, so `await` calls `then` instead of reading the promise's slots directly. */
function SdkPromise(): never {
  throw new TypeError("SdkPromise is not constructible");
}
// Promises derived with then/catch/finally are ordinary ones.
Object.defineProperty(SdkPromise, Symbol.species, { get: () => Promise });

const MARKED: object = Object.create(Promise.prototype, {
  constructor: { value: SdkPromise, writable: true, configurable: true },
  then: {
    value: function then(this: Promise<unknown>, onFulfilled?: unknown, onRejected?: unknown) {
      unhandled?.delete(this);
      return nativeThen.call(this, onFulfilled as never, onRejected as never);
    },
    writable: true,
    configurable: true,
  },
});

/** Marks a promise an SDK method returns (outside an invocation it is returned as is). */
export function track<T>(promise: Promise<T>, method: string): Promise<T> {
  if (!unhandled) return promise;
  const proto: unknown = Object.getPrototypeOf(promise);
  if (proto === MARKED) {
    // Returned by another SDK method this one called (addTagToContent → addTag): name the outer one.
    if (unhandled.has(promise)) unhandled.set(promise, method);
    return promise;
  }
  if (proto !== Promise.prototype) return promise;
  Object.setPrototypeOf(promise, MARKED);
  unhandled.set(promise, method);
  return promise;
}

/** Wraps the promise-returning methods of `cls.prototype` so their promises are tracked as `label.method`. */
export function trackMethods(cls: { prototype: object }, label: string): void {
  const proto = cls.prototype as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === "constructor") continue;
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    const original = descriptor?.value;
    if (typeof original !== "function") continue;
    const method = `${label}.${name}`;
    Object.defineProperty(proto, name, {
      ...descriptor,
      value: {
        [name](this: unknown, ...args: unknown[]) {
          const result = (original as (...a: unknown[]) => unknown).apply(this, args);
          return result instanceof Promise ? track(result, method) : result;
        },
      }[name],
    });
  }
}

/** Starts tracking for an invocation. */
export function beginInvocation(): void {
  unhandled = new Map();
}

/**
 * Ends tracking: waits for the promises nobody handled (without handling them, so one the author
 * handles meanwhile stops counting) and returns those that rejected unhandled.
 */
export async function endInvocation(): Promise<FloatingFailure[]> {
  const failures: FloatingFailure[] = [];
  const pending = unhandled;
  if (!pending) return failures;
  try {
    while (pending.size > 0) {
      const batch = [...pending.keys()];
      const outcomes = await Promise.all(batch.map((p) => new Promise<{ rejected: boolean; error?: unknown }>((resolve) => {
        nativeThen.call(p, () => resolve({ rejected: false }), (error: unknown) => resolve({ rejected: true, error }));
      })));
      batch.forEach((promise, i) => {
        const method = pending.get(promise);
        if (!pending.delete(promise)) return; // handled while we waited
        const outcome = outcomes[i]!;
        if (outcome.rejected) failures.push({ method: method ?? "an SDK call", error: outcome.error });
      });
    }
  } finally {
    if (unhandled === pending) unhandled = null;
  }
  return failures;
}
