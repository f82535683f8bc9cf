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
 * Cost: a prototype change and a set insertion per SDK call. The call site is not captured (a stack
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
const methodOf = new WeakMap<Promise<unknown>, string>();
/** The current invocation's marked promises not handled yet (invocations in a VM run one at a time). */
let unhandled: Set<Promise<unknown>> | null = null;

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
    methodOf.set(promise, method);
    return promise;
  }
  if (proto !== Promise.prototype) return promise;
  Object.setPrototypeOf(promise, MARKED);
  methodOf.set(promise, method);
  unhandled.add(promise);
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
  unhandled = new Set();
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
      const batch = [...pending];
      const outcomes = await Promise.all(batch.map((p) => new Promise<{ rejected: boolean; error?: unknown }>((resolve) => {
        nativeThen.call(p, () => resolve({ rejected: false }), (error: unknown) => resolve({ rejected: true, error }));
      })));
      batch.forEach((promise, i) => {
        if (!pending.delete(promise)) return; // handled while we waited
        const outcome = outcomes[i]!;
        if (outcome.rejected) failures.push({ method: methodOf.get(promise) ?? "an SDK call", error: outcome.error });
      });
    }
  } finally {
    if (unhandled === pending) unhandled = null;
  }
  return failures;
}
