import { describe, expect, it } from "vitest";
import { beginInvocation, endInvocation, trackMethods } from "./floating.js";

class Api {
  async fails(message: string): Promise<void> {
    throw new Error(message);
  }
  async ok(): Promise<number> {
    return 1;
  }
  /** Settles when the test says so. */
  later(): { promise: Promise<void>; reject(e: Error): void } {
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((_, r) => (reject = r));
    return { promise, reject };
  }
  deferred(control: { promise: Promise<void> }): Promise<void> {
    return control.promise.then(() => undefined);
  }
  outer(message: string): Promise<void> {
    return this.fails(message);
  }
  sync(): number {
    return 2;
  }
}
trackMethods(Api, "api");
const api = new Api();

async function invocation(body: () => Promise<void>) {
  beginInvocation();
  await body();
  return endInvocation();
}

describe("floating SDK promises", () => {
  it("reports a call nobody awaited that failed, by method", async () => {
    const failures = await invocation(async () => {
      void api.fails("lost");
      await api.ok();
    });
    expect(failures.map((f) => [f.method, (f.error as Error).message])).toEqual([["api.fails", "lost"]]);
  });

  it("does not report calls that were awaited (even later), caught, or passed to Promise.all", async () => {
    const failures = await invocation(async () => {
      const awaitedLater = api.fails("a");
      await api.ok();
      await awaitedLater.catch(() => undefined);
      api.fails("b").catch(() => undefined);
      await Promise.all([api.fails("c")]).catch(() => undefined);
      await Promise.allSettled([api.fails("d")]);
      try {
        await api.fails("e");
      } catch {
        // handled
      }
    });
    expect(failures).toEqual([]);
  });

  it("ignores un-awaited calls that succeed", async () => {
    expect(await invocation(async () => void api.ok())).toEqual([]);
  });

  it("waits for un-awaited calls still pending when the method returns", async () => {
    const control = api.later();
    beginInvocation();
    void api.deferred(control);
    const ended = endInvocation();
    control.reject(new Error("after the method returned"));
    const failures = await ended;
    expect(failures.map((f) => f.method)).toEqual(["api.deferred"]);
  });

  it("names the method the author called when it returns another SDK method's promise", async () => {
    const failures = await invocation(async () => void api.outer("inner"));
    expect(failures.map((f) => f.method)).toEqual(["api.outer"]);
  });

  it("leaves promises alone outside an invocation and sync results as they are", async () => {
    const p = api.fails("outside");
    expect(Object.getPrototypeOf(p)).toBe(Promise.prototype);
    await expect(p).rejects.toThrow("outside");
    expect(api.sync()).toBe(2);
    const failures = await invocation(async () => {
      const marked = api.ok();
      expect(marked).toBeInstanceOf(Promise);
      expect(await marked).toBe(1);
    });
    expect(failures).toEqual([]);
  });
});
