import { ByteBuffer } from "../json/bytes";

// Standard alphabet with padding (RFC 4648 §4), as the TME and Traceable-style reports expect.
const ALPHABET = memory.data<u8>([
  65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 97, 98, 99, 100, 101, 102, 103,
  104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 43,
  47,
]);

export function base64Length(len: i32): i32 {
  return ((len + 2) / 3) * 4;
}

export function writeBase64(out: ByteBuffer, ptr: usize, len: i32): void {
  out.reserve(base64Length(len));
  let dst = out.dataStart + out.length;
  let i = 0;
  for (; i + 3 <= len; i += 3) {
    const n = ((<u32>load<u8>(ptr + i)) << 16) | ((<u32>load<u8>(ptr + i + 1)) << 8) | <u32>load<u8>(ptr + i + 2);
    store<u8>(dst, load<u8>(ALPHABET + (n >> 18)));
    store<u8>(dst + 1, load<u8>(ALPHABET + ((n >> 12) & 63)));
    store<u8>(dst + 2, load<u8>(ALPHABET + ((n >> 6) & 63)));
    store<u8>(dst + 3, load<u8>(ALPHABET + (n & 63)));
    dst += 4;
  }
  const rest = len - i;
  if (rest > 0) {
    let n = (<u32>load<u8>(ptr + i)) << 16;
    if (rest == 2) n |= (<u32>load<u8>(ptr + i + 1)) << 8;
    store<u8>(dst, load<u8>(ALPHABET + (n >> 18)));
    store<u8>(dst + 1, load<u8>(ALPHABET + ((n >> 12) & 63)));
    store<u8>(dst + 2, rest == 2 ? load<u8>(ALPHABET + ((n >> 6) & 63)) : 61);
    store<u8>(dst + 3, 61);
    dst += 4;
  }
  out.length = <i32>(dst - out.dataStart);
}

/** 6-bit value of a base64 character, or -1. */
function base64Value(c: u32): i32 {
  if (c - 0x41 < 26) return <i32>(c - 0x41);
  if (c - 0x61 < 26) return <i32>(c - 0x61 + 26);
  if (c - 0x30 < 10) return <i32>(c - 0x30 + 52);
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

/** Decodes standard base64 (padding optional) into `out`; false at the first byte outside the alphabet. */
export function decodeBase64(out: ByteBuffer, ptr: usize, len: i32): bool {
  while (len > 0 && load<u8>(ptr + len - 1) == 0x3d) len--;
  out.reserve((len * 3) >> 2);
  let acc: u32 = 0;
  let bits = 0;
  for (let i = 0; i < len; i++) {
    const v = base64Value(<u32>load<u8>(ptr + i));
    if (v < 0) return false;
    acc = (acc << 6) | <u32>v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.writeByte((acc >> <u32>bits) & 0xff);
    }
  }
  return true;
}
