import { ByteBuffer } from "./bytes";
import { utf8SequenceLength } from "../encoding/utf8";

const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const MAX_DEPTH = 32;
const ONES: u64 = 0x0101010101010101;
const HIGHS: u64 = 0x8080808080808080;

/** An object key with its quotes and colon, encoded once. */
export class JsonKey {
  readonly bytes: ArrayBuffer;

  constructor(name: string) {
    this.bytes = String.UTF8.encode('"' + name + '":');
  }
}

/**
 * Streams JSON into a ByteBuffer. Separators are tracked per nesting level, so callers write
 * keys and values in order and never place commas themselves.
 */
export class JsonWriter {
  out: ByteBuffer;
  /** Bit d is set while the container at nesting level d has no member yet (levels < MAX_DEPTH). */
  private firstBits: u32 = 1;
  private depth: i32 = 0;
  private afterKey: bool = false;

  constructor(out: ByteBuffer) {
    this.out = out;
  }

  @inline private setFirst(depth: i32, first: bool): void {
    const bit = (<u32>1) << (<u32>depth);
    this.firstBits = first ? this.firstBits | bit : this.firstBits & ~bit;
  }

  /** Continues an already-open container of `out` (used to append records to a batch). */
  resume(depth: i32, empty: bool): void {
    this.depth = depth;
    this.setFirst(depth, empty);
    this.afterKey = false;
  }

  @inline private separate(): void {
    if (this.afterKey) {
      this.afterKey = false;
      return;
    }
    const bit = (<u32>1) << (<u32>this.depth);
    if ((this.firstBits & bit) == 0) this.out.writeByte(0x2c);
    this.firstBits &= ~bit;
  }

  private open(ch: u32): void {
    this.separate();
    this.out.writeByte(ch);
    this.depth++;
    assert(this.depth < MAX_DEPTH, "JSON nesting too deep");
    this.setFirst(this.depth, true);
  }

  private close(ch: u32): void {
    this.out.writeByte(ch);
    this.depth--;
  }

  beginObject(): void {
    this.open(0x7b);
  }
  endObject(): void {
    this.close(0x7d);
  }
  beginArray(): void {
    this.open(0x5b);
  }
  endArray(): void {
    this.close(0x5d);
  }

  /** Writes an object key; keys are program constants, ASCII and free of characters to escape. */
  key(name: string): void {
    this.separate();
    this.out.writeByte(0x22);
    this.out.writeAscii(name);
    this.out.writeByte(0x22);
    this.out.writeByte(0x3a);
    this.afterKey = true;
  }

  /** A key encoded once (`"name":`), for keys written on every record. */
  encodedKey(key: JsonKey): void {
    this.separate();
    this.out.writeBuffer(key.bytes);
    this.afterKey = true;
  }

  string(s: string): void {
    this.separate();
    writeJsonStringUtf16(this.out, s);
  }

  /** A string from raw bytes: valid UTF-8 passes through, any other byte is read as Latin-1. */
  stringBytes(ptr: usize, len: i32): void {
    this.separate();
    writeJsonStringBytes(this.out, ptr, len);
  }

  /** A string whose characters need no escaping (base64, digits); the caller writes its content. */
  beginRawString(): void {
    this.separate();
    this.out.writeByte(0x22);
  }

  endRawString(): void {
    this.out.writeByte(0x22);
  }

  u64(v: u64): void {
    this.separate();
    writeDecimal(this.out, v);
  }

  /** A u64 as a decimal string: JSON numbers lose precision above 2^53. */
  u64String(v: u64): void {
    this.separate();
    this.out.writeByte(0x22);
    writeDecimal(this.out, v);
    this.out.writeByte(0x22);
  }

  bool(v: bool): void {
    this.separate();
    this.out.writeAscii(v ? "true" : "false");
  }
}

export function writeDecimal(out: ByteBuffer, v: u64): void {
  if (v == 0) {
    out.writeByte(0x30);
    return;
  }
  let digits = 0;
  let t = v;
  while (t != 0) {
    digits++;
    t /= 10;
  }
  out.reserve(digits);
  let p = out.dataStart + out.length + digits;
  while (v != 0) {
    p--;
    store<u8>(p, <u8>(0x30 + <u32>(v % 10)));
    v /= 10;
  }
  out.length += digits;
}

function needsEscape(b: u32): bool {
  return b < 0x20 || b == 0x22 || b == 0x5c;
}

// What a byte needs in a JSON string: LOOK_NONE copies it, LOOK_ESCAPE escapes it, LOOK_UTF8 starts
// (or breaks) a multi-byte sequence. One table load per byte where the eight-byte test fails, which it
// does every few bytes in a JSON body (its own quotes).
const LOOK_NONE: u8 = 0;
const LOOK_ESCAPE: u8 = 1;
const LOOK_UTF8: u8 = 2;
const LOOK = memory.data(256);
for (let b = 0; b < 256; b++) {
  store<u8>(LOOK + b, b >= 0x80 ? LOOK_UTF8 : needsEscape(b) ? LOOK_ESCAPE : LOOK_NONE);
}

// The escape as a static method only so that it can carry @inline, which TypeScript (and so the
// formatter and linter) accepts on class members, not on functions. Binaryen leaves it out of line by
// itself, and out of line it costs a capture ≈ 2.7k instructions per exchange (bench:filter-sim).
class Escape {
  /** Writes the escape of `c` at `d` (room for 6 bytes); returns its length. */
  @inline static at(d: usize, c: u32): usize {
    store<u8>(d, 0x5c);
    let short: u32 = 0;
    if (c == 0x22) short = 0x22;
    else if (c == 0x5c) short = 0x5c;
    else if (c == 0x0a) short = 0x6e;
    else if (c == 0x0d) short = 0x72;
    else if (c == 0x09) short = 0x74;
    if (short != 0) {
      store<u8>(d + 1, <u8>short);
      return 2;
    }
    store<u8>(d + 1, 0x75);
    store<u8>(d + 2, load<u8>(HEX + ((c >> 12) & 15)));
    store<u8>(d + 3, load<u8>(HEX + ((c >> 8) & 15)));
    store<u8>(d + 4, load<u8>(HEX + ((c >> 4) & 15)));
    store<u8>(d + 5, load<u8>(HEX + (c & 15)));
    return 6;
  }
}

function writeEscape(out: ByteBuffer, c: u32): void {
  out.reserve(6);
  out.length += <i32>Escape.at(out.dataStart + out.length, c);
}

function hasZeroByte(v: u64): bool {
  return ((v - ONES) & ~v & HIGHS) != 0;
}

/** True when no byte of `v` is below 0x20, a '"', a '\\' or 0x80 and above. */
function plainWord(v: u64): bool {
  if ((v & HIGHS) != 0) return false;
  // Bytes are < 0x80 here, so "below 0x20" is a borrow out of (byte - 0x20) into the high bit.
  if (((v - 0x2020202020202020) & HIGHS) != 0) return false;
  return !hasZeroByte(v ^ 0x2222222222222222) && !hasZeroByte(v ^ 0x5c5c5c5c5c5c5c5c);
}

/**
 * One pass from the source into the buffer: whole words while no byte needs a look, else byte by byte.
 * The buffer always has room for the rest of the string as it is plus the closing quote; an escape
 * (up to 6 bytes for 1) makes room for its own extra bytes first.
 */
export function writeJsonStringBytes(out: ByteBuffer, ptr: usize, len: i32): void {
  out.reserve(len + 2);
  let base = out.dataStart;
  let o = base + <usize>out.length;
  store<u8>(o++, 0x22);
  const end = ptr + <usize>len;
  let p = ptr;
  while (p < end) {
    if (p + 8 <= end) {
      const v = load<u64>(p);
      if (plainWord(v)) {
        store<u64>(o, v);
        o += 8;
        p += 8;
        continue;
      }
    }
    const stop = p + 8 < end ? p + 8 : end;
    while (p < stop) {
      const b = <u32>load<u8>(p);
      const look = load<u8>(LOOK + b);
      if (look == LOOK_NONE) {
        store<u8>(o++, <u8>b);
        p++;
        continue;
      }
      const n: usize = look == LOOK_UTF8 ? <usize>utf8SequenceLength(p, end) : 0;
      if (n != 0) {
        for (let j: usize = 0; j < n; j++) store<u8>(o + j, load<u8>(p + j));
        o += n;
        p += n;
        continue;
      }
      const at = <i32>(o - base);
      if (<usize>at + (end - p) + 6 > <usize>out.capacity) {
        out.length = at;
        out.reserve(<i32>(end - p) + 6);
        base = out.dataStart;
        o = base + <usize>at;
      }
      o += Escape.at(o, b);
      p++;
    }
  }
  store<u8>(o++, 0x22);
  out.length = <i32>(o - base);
}

export function writeJsonStringUtf16(out: ByteBuffer, s: string): void {
  out.writeByte(0x22);
  const src = changetype<usize>(s);
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u16>(src + ((<usize>i) << 1));
    if (c < 0x80) {
      if (needsEscape(c)) writeEscape(out, c);
      else out.writeByte(c);
    } else if (c < 0x800) {
      out.writeByte(0xc0 | (c >> 6));
      out.writeByte(0x80 | (c & 63));
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < len) {
      const lo = <u32>load<u16>(src + ((<usize>(i + 1)) << 1));
      if (lo >= 0xdc00 && lo < 0xe000) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        out.writeByte(0xf0 | (cp >> 18));
        out.writeByte(0x80 | ((cp >> 12) & 63));
        out.writeByte(0x80 | ((cp >> 6) & 63));
        out.writeByte(0x80 | (cp & 63));
        i++;
      } else {
        writeEscape(out, c);
      }
    } else if (c >= 0xd800 && c < 0xe000) {
      writeEscape(out, c); // a lone surrogate has no UTF-8 form
    } else {
      out.writeByte(0xe0 | (c >> 12));
      out.writeByte(0x80 | ((c >> 6) & 63));
      out.writeByte(0x80 | (c & 63));
    }
  }
  out.writeByte(0x22);
}
