/**
 * `onSchedule`: while a host that runs background work is open (`sdx serve` keeps one open), each
 * installed agent with `scheduleEverySeconds` gets a `schedule` event at every multiple of that
 * many seconds of the wall clock (the first one at the next). The event's key names its slot, so
 * several hosts with the library open record it once. The timers are unref'd: an open host does
 * not keep a CLI process alive for them.
 */
import { getInstalled, listInstalled } from "../extensions/install.js";
import type { Library } from "../store/library.js";
import { hooksOf } from "./recorder.js";
import { wallClock, type Clock, type ClockTimer } from "../core/clock.js";

export class ScheduleTimers {
  private readonly timers = new Map<string, ClockTimer>();
  private stopped = false;
  private generation = 0;

  constructor(
    private readonly library: Library,
    private readonly fire: (extensionId: string, everySeconds: number) => void,
    private readonly clock: Clock = wallClock,
  ) {}

  /** (Re)starts the timers from the installed manifests (after an install or upgrade). */
  refresh(): void {
    this.clear();
    if (this.stopped) return;
    const generation = ++this.generation;
    for (const { id } of listInstalled(this.library)) {
      const manifest = getInstalled(this.library, id)?.manifest;
      const every = manifest?.agent?.scheduleEverySeconds;
      if (!every || hooksOf(manifest, "schedule").length === 0) continue;
      this.arm(generation, id, every);
    }
  }

  /** Waits for the next multiple of `every` seconds, fires, and waits for the next. */
  private arm(generation: number, extensionId: string, every: number): void {
    const everyMs = every * 1000;
    const now = this.clock.now();
    const timer = this.clock.setTimeout(() => {
      if (this.stopped || generation !== this.generation) return;
      this.fire(extensionId, every);
      this.arm(generation, extensionId, every);
    }, (Math.floor(now / everyMs) + 1) * everyMs - now, { unref: true, kind: "schedule" });
    this.timers.set(extensionId, timer);
  }

  private clear(): void {
    for (const timer of this.timers.values()) this.clock.clear(timer);
    this.timers.clear();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }
}
