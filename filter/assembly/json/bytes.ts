// A growable byte buffer. Records are encoded straight into it as UTF-8, so a capture never passes
// through AssemblyScript's UTF-16 strings on the hot path.
import { copyBytes } from "../memory/blocks";
import { owe } from "../memory/collect";

/** The storage of every buffer made without capacity: never written, as any write first grows. */
const NO_BYTES = new ArrayBuffer(0);

export class ByteBuffer {
  private buf: ArrayBuffer;
  length: i32 = 0;

  constructor(capacity: i32 = 1024) {
    this.buf = capacity > 0 ? new ArrayBuffer(capacity) : NO_BYTES;
  }

  /** Takes `buf` as the storage, its first `length` bytes as written: bytes copied in already need no second copy. */
  adopt(buf: ArrayBuffer, length: i32): void {
    this.buf = buf;
    this.length = length;
  }

  @inline get dataStart(): usize {
    return changetype<usize>(this.buf);
  }

  @inline get capacity(): i32 {
    return this.buf.byteLength;
  }

  @inline reserve(extra: i32): void {
    const need = this.length + extra;
    if (need > this.buf.byteLength) this.grow(need);
  }

  private grow(need: i32): void {
    let cap = this.buf.byteLength << 1;
    if (cap < need) cap = need;
    const next = new ArrayBuffer(cap);
    memory.copy(changetype<usize>(next), changetype<usize>(this.buf), this.length);
    // The old storage is garbage now: a batch's buffer grows to a megabyte by doublings.
    owe(<usize>this.buf.byteLength);
    this.buf = next;
  }

  @inline writeByte(b: u32): void {
    this.reserve(1);
    store<u8>(this.dataStart + this.length, <u8>b);
    this.length++;
  }

  writeBytes(ptr: usize, len: i32): void {
    if (len <= 0) return;
    this.reserve(len);
    copyBytes(this.dataStart + this.length, ptr, len);
    this.length += len;
  }

  writeBuffer(data: ArrayBuffer): void {
    this.writeBytes(changetype<usize>(data), data.byteLength);
  }

  /** Writes a string known to be ASCII (keys, constants, numbers). */
  writeAscii(s: string): void {
    const len = s.length;
    this.reserve(len);
    const dst = this.dataStart + this.length;
    const src = changetype<usize>(s);
    for (let i = 0; i < len; i++) {
      store<u8>(dst + i, <u8>load<u16>(src + ((<usize>i) << 1)));
    }
    this.length += len;
  }

  /** Drops everything after `length` bytes, keeping the allocation. */
  truncate(length: i32): void {
    if (length < this.length) this.length = length;
  }

  reset(): void {
    this.length = 0;
  }

  /** A copy of the written bytes, sized exactly. */
  toArrayBuffer(): ArrayBuffer {
    const out = new ArrayBuffer(this.length);
    copyBytes(changetype<usize>(out), this.dataStart, this.length);
    return out;
  }

  toString(): string {
    return String.UTF8.decodeUnsafe(this.dataStart, this.length);
  }
}
