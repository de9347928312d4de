// The newest captures, held in memory for GET /v1/captures. Fixed size: the
// oldest capture is overwritten, so memory stays bounded under any load.
import type { Capture } from '../record/capture.ts';

export class CaptureRing {
  private readonly slots: (Capture | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<Capture | undefined>(capacity);
  }

  push(capture: Capture): void {
    this.slots[this.next] = capture;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Up to `limit` captures, newest first. */
  newest(limit: number): Capture[] {
    const out: Capture[] = [];
    for (let i = 1; i <= Math.min(limit, this.count); i++) {
      out.push(this.slots[(this.next - i + this.capacity) % this.capacity]!);
    }
    return out;
  }
}
