// Strings derived from short byte spans that repeat record after record (the host of an authority, a
// method's key, a media type): one hash and one byte compare instead of decoding the span and deriving
// from it each time. Bounded: cleared when full, so hostile variety costs a decode, never memory.
import { hashBytes } from './sketches.ts';

const MAX_CACHED_SPAN = 256;

interface Entry {
  bytes: Buffer;
  value: string;
}

function sameBytes(a: Buffer, b: Buffer, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

export class SpanCache {
  private readonly entries = new Map<number, Entry>();
  /** The entry found last: consecutive records mostly repeat it, and one compare finds it. */
  private last: Entry = { bytes: Buffer.alloc(0), value: '' };

  constructor(
    readonly derive: (text: string) => string,
    private readonly maxEntries = 256,
  ) {}

  /** derive() of the UTF-8 text of record[start, end), which holds no JSON escape. */
  get(record: Buffer, start: number, end: number): string {
    if (end - start > MAX_CACHED_SPAN) return this.derive(record.toString('utf8', start, end));
    if (start !== end && sameBytes(this.last.bytes, record, start, end)) return this.last.value;
    const h = hashBytes(record, start, end);
    let entry = this.entries.get(h);
    if (entry === undefined || !sameBytes(entry.bytes, record, start, end)) {
      entry = { bytes: Buffer.from(record.subarray(start, end)), value: this.derive(record.toString('utf8', start, end)) };
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(h, entry);
    }
    this.last = entry;
    return entry.value;
  }
}
