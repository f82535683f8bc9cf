/**
 * A hybrid logical clock, stamped on every write so a later sync can order changes across devices.
 *
 * Text form `<wall ms, 13 digits>-<counter, 6 hex>-<device uuid>`: fixed width, so comparing the
 * strings compares the clocks (wall time, then counter, then device as the tie-break).
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
    } else {
      this.counter += 1;
    }
    return formatHlc({ wallMs: this.wallMs, counter: this.counter, device: this.device });
  }

  /** Merges a timestamp seen elsewhere (another device, or the library's last write at open). */
  receive(text: string): void {
    const remote = parseHlc(text);
    if (!remote) return;
    if (remote.wallMs > this.wallMs || (remote.wallMs === this.wallMs && remote.counter > this.counter)) {
      this.wallMs = remote.wallMs;
      this.counter = remote.counter;
    }
  }
}
