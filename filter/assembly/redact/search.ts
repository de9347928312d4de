// Knuth-Morris-Pratt search for one pattern, ASCII case folded: linear in the text whatever the pattern
// and the text, so a hostile body cannot make an echo or boundary search quadratic.
import { lowerAscii } from "./names";

export class Pattern {
  /** The pattern, lower-cased. */
  readonly bytes: StaticArray<u8>;
  private readonly failure: StaticArray<i32>;
  length: i32 = 0;

  constructor(capacity: i32) {
    this.bytes = new StaticArray<u8>(capacity);
    this.failure = new StaticArray<i32>(capacity);
  }

  get capacity(): i32 {
    return this.bytes.length;
  }

  /** Sets the pattern to the `len` bytes at `ptr` (at most the capacity). */
  set(ptr: usize, len: i32): void {
    if (len > this.capacity) len = this.capacity;
    for (let i = 0; i < len; i++) unchecked((this.bytes[i] = <u8>lowerAscii(<u32>load<u8>(ptr + i))));
    this.length = len;
    if (len == 0) return;
    unchecked((this.failure[0] = 0));
    let k = 0;
    for (let i = 1; i < len; i++) {
      const c = unchecked(this.bytes[i]);
      while (k > 0 && unchecked(this.bytes[k]) != c) k = unchecked(this.failure[k - 1]);
      if (unchecked(this.bytes[k]) == c) k++;
      unchecked((this.failure[i] = k));
    }
  }

  /** Whether it equals the `len` bytes at `ptr`, ignoring ASCII case. */
  equals(ptr: usize, len: i32): bool {
    if (len != this.length) return false;
    for (let i = 0; i < len; i++) {
      if (lowerAscii(<u32>load<u8>(ptr + i)) != <u32>unchecked(this.bytes[i])) return false;
    }
    return true;
  }

  /** Whether pattern bytes [offset, offset + len) equal the `len` bytes at `ptr`, ignoring ASCII case. */
  matchesAt(ptr: usize, offset: i32, len: i32): bool {
    if (offset + len > this.length) return false;
    for (let i = 0; i < len; i++) {
      if (lowerAscii(<u32>load<u8>(ptr + i)) != <u32>unchecked(this.bytes[offset + i])) return false;
    }
    return true;
  }

  /** The first occurrence in [from, end) of the text at `base`, as an offset from `base`, or -1. */
  find(base: usize, from: i32, end: i32): i32 {
    const n = this.length;
    if (n == 0) return -1;
    let k = 0;
    for (let i = from; i < end; i++) {
      const c = <u8>lowerAscii(<u32>load<u8>(base + i));
      while (k > 0 && unchecked(this.bytes[k]) != c) k = unchecked(this.failure[k - 1]);
      if (unchecked(this.bytes[k]) == c) k++;
      if (k == n) return i + 1 - n;
    }
    return -1;
  }
}
