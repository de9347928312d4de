// The newest captures, held in memory for GET /v1/captures, bounded by count and by bytes: the
// oldest go first, so memory stays bounded under any load and any record size. Each capture gets a
// sequence number, the cursor of the paginated reads.
import type { StoredCapture } from '../record/capture.ts';

export interface RingLimits {
  maxCaptures: number;
  maxBytes: number;
}

export interface RingEntry {
  sequence: number;
  capture: StoredCapture;
}

export class CaptureRing {
  private entries: RingEntry[] = [];
  private head = 0;
  private nextSequence = 1;
  private held = 0;

  constructor(readonly limits: RingLimits) {}

  push(capture: StoredCapture): void {
    const size = capture.size;
    // A capture larger than the whole ring is not kept (it is in the spool).
    if (size > this.limits.maxBytes) return;
    this.entries.push({ sequence: this.nextSequence++, capture });
    this.held += size;
    while (this.count > this.limits.maxCaptures || this.held > this.limits.maxBytes) {
      this.held -= this.entries[this.head]!.capture.size;
      this.entries[this.head++] = undefined as unknown as RingEntry;
    }
    // Drop the evicted slots now and then, so the array does not grow forever.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  get count(): number {
    return this.entries.length - this.head;
  }

  /** Bytes of the captures held. */
  get bytes(): number {
    return this.held;
  }

  /** Newest first, starting below sequence `before` (all when undefined). */
  *newest(before?: number): Generator<RingEntry> {
    // Sequences ascend with the index: find the first one at or above `before`.
    let high = this.entries.length;
    if (before !== undefined) {
      let low = this.head;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (this.entries[mid]!.sequence < before) low = mid + 1;
        else high = mid;
      }
    }
    for (let i = high - 1; i >= this.head; i--) yield this.entries[i]!;
  }
}
