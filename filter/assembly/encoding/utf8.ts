// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).

/** Length of the valid UTF-8 sequence starting at `p` (at most `end`), or 0 if it is invalid. */
export function utf8SequenceLength(p: usize, end: usize): i32 {
  const b0 = <u32>load<u8>(p);
  if (b0 < 0x80) return 1;
  if (b0 < 0xc2) return 0;
  if (b0 < 0xe0) {
    if (p + 1 >= end) return 0;
    return isContinuation(load<u8>(p + 1)) ? 2 : 0;
  }
  if (b0 < 0xf0) {
    if (p + 2 >= end) return 0;
    const b1 = <u32>load<u8>(p + 1);
    if (!isContinuation(b1) || !isContinuation(load<u8>(p + 2))) return 0;
    if (b0 == 0xe0 && b1 < 0xa0) return 0; // overlong
    if (b0 == 0xed && b1 >= 0xa0) return 0; // surrogate
    return 3;
  }
  if (b0 < 0xf5) {
    if (p + 3 >= end) return 0;
    const b1 = <u32>load<u8>(p + 1);
    if (!isContinuation(b1) || !isContinuation(load<u8>(p + 2)) || !isContinuation(load<u8>(p + 3))) return 0;
    if (b0 == 0xf0 && b1 < 0x90) return 0; // overlong
    if (b0 == 0xf4 && b1 >= 0x90) return 0; // above U+10FFFF
    return 4;
  }
  return 0;
}

function isContinuation(b: u32): bool {
  return (b & 0xc0) == 0x80;
}

export function isValidUtf8(ptr: usize, len: i32): bool {
  const end = ptr + <usize>len;
  let p = ptr;
  while (p < end) {
    // ASCII runs are the common case in API payloads: check eight bytes at a time.
    if (p + 8 <= end && (load<u64>(p) & 0x8080808080808080) == 0) {
      p += 8;
      continue;
    }
    const n = utf8SequenceLength(p, end);
    if (n == 0) return false;
    p += n;
  }
  return true;
}
