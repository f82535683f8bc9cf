/**
 * A set of entry row ids within a known range, one bit each: which rows from before an index run
 * were seen (or moved) during it. 50k files take 6 KiB, where a Set of ids would take megabytes.
 */
export class IdSet {
  private readonly bits: Uint8Array;

  /** Ids from `min` to `max` (none when `max` is 0). */
  constructor(private readonly min: number, max: number) {
    this.bits = new Uint8Array(max > 0 ? ((max - min) >> 3) + 1 : 0);
  }

  add(id: number): void {
    const i = id - this.min;
    this.bits[i >> 3] |= 1 << (i & 7);
  }

  has(id: number): boolean {
    const i = id - this.min;
    return i >= 0 && (this.bits[i >> 3] & (1 << (i & 7))) !== 0;
  }
}
