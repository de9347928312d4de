import { ByteBuffer } from "../json/bytes";

// Standard alphabet with padding (RFC 4648 §4), as the TME and Traceable-style reports expect.
const ALPHABET = memory.data<u8>([
  65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
  97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117,
  118, 119, 120, 121, 122, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 43, 47,
]);

export function base64Length(len: i32): i32 {
  return ((len + 2) / 3) * 4;
}

export function writeBase64(out: ByteBuffer, ptr: usize, len: i32): void {
  out.reserve(base64Length(len));
  let dst = out.dataStart + out.length;
  let i = 0;
  for (; i + 3 <= len; i += 3) {
    const n = (<u32>load<u8>(ptr + i) << 16) | (<u32>load<u8>(ptr + i + 1) << 8) | <u32>load<u8>(ptr + i + 2);
    store<u8>(dst, load<u8>(ALPHABET + (n >> 18)));
    store<u8>(dst + 1, load<u8>(ALPHABET + ((n >> 12) & 63)));
    store<u8>(dst + 2, load<u8>(ALPHABET + ((n >> 6) & 63)));
    store<u8>(dst + 3, load<u8>(ALPHABET + (n & 63)));
    dst += 4;
  }
  const rest = len - i;
  if (rest > 0) {
    let n = <u32>load<u8>(ptr + i) << 16;
    if (rest == 2) n |= <u32>load<u8>(ptr + i + 1) << 8;
    store<u8>(dst, load<u8>(ALPHABET + (n >> 18)));
    store<u8>(dst + 1, load<u8>(ALPHABET + ((n >> 12) & 63)));
    store<u8>(dst + 2, rest == 2 ? load<u8>(ALPHABET + ((n >> 6) & 63)) : 61);
    store<u8>(dst + 3, 61);
    dst += 4;
  }
  out.length = <i32>(dst - out.dataStart);
}
