// The places of one text to replace, as a byte mask: redactors mark ranges in any order and overlap,
// and the text is then written once with every marked run replaced. Nothing is allocated or cleared
// until the first mark, so a text without secrets costs nothing here.
import { ByteBuffer } from "../json/bytes";

export const REDACTED = "[REDACTED]";
const REDACTED_BYTES = String.UTF8.encode(REDACTED);
const QUOTED_BYTES = String.UTF8.encode('"' + REDACTED + '"');

/** How a marked run is written. */
export enum Mark {
  Keep = 0,
  /** `[REDACTED]`: the inside of a string, a header value, a field value. */
  Text = 1,
  /** `"[REDACTED]"`: a whole JSON value that was not a string (object, array, number, literal). */
  Quoted = 2,
}

export class Marks {
  private mask: ArrayBuffer = new ArrayBuffer(0);
  private length: i32 = 0;
  any: bool = false;

  /** Starts marking a text of `length` bytes. */
  @inline reset(length: i32): void {
    this.length = length;
    this.any = false;
  }

  /** Marks [start, end); bytes already marked keep their mark, so runs never split. */
  mark(start: i32, end: i32, kind: Mark): void {
    if (start < 0) start = 0;
    if (end > this.length) end = this.length;
    if (start >= end) return;
    if (!this.any) {
      if (this.mask.byteLength < this.length) this.mask = new ArrayBuffer(this.length);
      memory.fill(changetype<usize>(this.mask), 0, <usize>this.length);
      this.any = true;
    }
    const m = changetype<usize>(this.mask);
    for (let i = start; i < end; i++) {
      if (load<u8>(m + i) == 0) store<u8>(m + i, <u8>kind);
    }
  }

  /** Writes the `length` bytes at `ptr` to `out`, each marked run replaced by its placeholder. */
  apply(out: ByteBuffer, ptr: usize): void {
    const len = this.length;
    if (!this.any) {
      out.writeBytes(ptr, len);
      return;
    }
    const m = changetype<usize>(this.mask);
    let run = 0;
    let i = 0;
    while (i < len) {
      const kind = <i32>load<u8>(m + i);
      if (kind == Mark.Keep) {
        i++;
        continue;
      }
      out.writeBytes(ptr + run, i - run);
      while (i < len && <i32>load<u8>(m + i) == kind) i++;
      out.writeBuffer(kind == Mark.Quoted ? QUOTED_BYTES : REDACTED_BYTES);
      run = i;
    }
    out.writeBytes(ptr + run, len - run);
  }
}
