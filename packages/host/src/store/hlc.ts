/**
 * A hybrid logical clock, stamped on every write so sync can order changes across devices.
 *
 * Text form `<wall ms, 13 digits>-<counter, 6 hex>-<device uuid>`: fixed width, so comparing the
 * strings compares the clocks (wall time, then counter, then device as the tie-break).
 *
 * It never goes backwards: a wall clock stepped back keeps the last wall time and counts up; a
 * counter that would overflow its 6 hex digits moves the wall time on by 1 ms instead. Stamps from
 * other devices are merged with `receiveRemote`, which refuses one further ahead of this machine's
 * clock than `MAX_CLOCK_DRIFT_MS`: a peer whose clock is far in the future must not drag every later
 * local write (and its last-writer-wins) along with it.
 */
export interface HlcParts {
  wallMs: number;
  counter: number;
  device: string;
}

export function formatHlc(parts: HlcParts): string {
  return `${String(parts.wallMs).padStart(13, "0")}-${parts.counter.toString(16).padStart(6, "0")}-${parts.device}`;
}

export function parseHlc(text: string): HlcParts | null {
  const match = /^(\d{13})-([0-9a-f]{6})-(.+)$/.exec(text);
  if (!match) return null;
  return { wallMs: Number(match[1]), counter: parseInt(match[2], 16), device: match[3] };
}

/** A stamp written by a device: 13 digits, 6 hex, a lower-case UUID (what sync accepts from peers). */
export const HLC_RE = /^\d{13}-[0-9a-f]{6}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The device part of a stamp (the UUID after the second dash). */
export function hlcDevice(text: string): string {
  return text.slice(21);
}

/** The stamp's wall time as ISO-8601 (what `updated_at` of a synced row says). */
export function hlcIso(text: string): string {
  return new Date(Number(text.slice(0, 13))).toISOString();
}

/** How far ahead of this machine's clock a peer's stamp may be (5 minutes). */
export const MAX_CLOCK_DRIFT_MS = 5 * 60_000;

const MAX_COUNTER = 0xffffff;

export class Hlc {
  private wallMs = 0;
  private counter = 0;

  constructor(
    readonly device: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A timestamp greater than every one this clock has issued or received. */
  now(): string {
    const wall = this.clock();
    if (wall > this.wallMs) {
      this.wallMs = wall;
      this.counter = 0;
    } else if (this.counter >= MAX_COUNTER) {
      this.wallMs += 1;
      this.counter = 0;
    } else {
      this.counter += 1;
    }
    return formatHlc({ wallMs: this.wallMs, counter: this.counter, device: this.device });
  }

  /** Merges a stamp this library wrote itself (its last write, at open): never bounded. */
  receive(text: string): void {
    const remote = parseHlc(text);
    if (!remote) return;
    if (remote.wallMs > this.wallMs || (remote.wallMs === this.wallMs && remote.counter > this.counter)) {
      this.wallMs = remote.wallMs;
      this.counter = remote.counter;
    }
  }

  /**
   * Merges a stamp from another device, unless it is more than `maxDriftMs` ahead of this
   * machine's clock: then nothing changes and false is returned (the caller refuses what carried it).
   */
  receiveRemote(text: string, maxDriftMs = MAX_CLOCK_DRIFT_MS): boolean {
    const remote = parseHlc(text);
    if (!remote || remote.wallMs > this.clock() + maxDriftMs) return false;
    this.receive(text);
    return true;
  }

  /** How far `text` is ahead of this machine's clock, in ms (negative: behind). */
  aheadMs(text: string): number {
    return Number(text.slice(0, 13)) - this.clock();
  }
}
