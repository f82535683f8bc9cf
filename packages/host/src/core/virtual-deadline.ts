/**
 * A guest invocation's deadline on a virtual clock (a test's fake one): the sandbox keeps deadlines
 * in real time, which a fake clock never passes, so the host keeps it on the clock instead. When it
 * passes first, `discard` throws the invocation's VM away (the pool makes a fresh one) and the
 * invocation fails with SDX3003, as it would at the sandbox's wall-clock deadline.
 */
import type { WireResult } from "@sdx/sdk/protocol";
import type { Clock, TimerKind } from "./clock.js";
import { failure, wireError } from "../errors.js";

export async function withVirtualDeadline(
  clock: Clock,
  deadline: { ms: number; kind: TimerKind; what: string },
  discard: () => void,
  invoke: () => Promise<WireResult>,
): Promise<WireResult> {
  let timedOut = false;
  const timer = clock.setTimeout(() => {
    timedOut = true;
    discard();
  }, deadline.ms, { kind: deadline.kind });
  try {
    const reply = await invoke();
    return timedOut ? failure(wireError("SDX3003", `${deadline.what} exceeded its time limit (deadline ${deadline.ms} ms on the host's clock): its VM was terminated`)) : reply;
  } finally {
    clock.clear(timer);
  }
}
