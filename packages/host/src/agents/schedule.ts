/**
 * `onSchedule`: while a host that runs background work is open, each installed agent with
 * `scheduleEverySeconds` gets a `schedule` event every that many seconds (the first one after one
 * interval). The timers are unref'd: an open host does not keep a CLI process alive for them.
 */
import { getInstalled, listInstalled } from "../extensions/install.js";
import type { Library } from "../store/library.js";
import { hooksOf } from "./recorder.js";
import { wallClock, type Clock, type ClockTimer } from "../core/clock.js";

export class ScheduleTimers {
  private readonly timers = new Map<string, ClockTimer>();
  private stopped = false;

  constructor(
    private readonly library: Library,
    private readonly fire: (extensionId: string, everySeconds: number) => void,
    private readonly clock: Clock = wallClock,
  ) {}

  /** (Re)starts the timers from the installed manifests (after an install or upgrade). */
  refresh(): void {
    this.clear();
    if (this.stopped) return;
    for (const { id } of listInstalled(this.library)) {
      const manifest = getInstalled(this.library, id)?.manifest;
      const every = manifest?.agent?.scheduleEverySeconds;
      if (!every || hooksOf(manifest, "schedule").length === 0) continue;
      this.timers.set(id, this.clock.setInterval(() => this.fire(id, every), every * 1000, { unref: true, kind: "schedule" }));
    }
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
