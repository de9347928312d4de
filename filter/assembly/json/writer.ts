import { ByteBuffer } from "./bytes";
import { utf8SequenceLength } from "../encoding/utf8";

const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const MAX_DEPTH = 32;
const ONES: u64 = 0x0101010101010101;
const HIGHS: u64 = 0x8080808080808080;

/** An object key with its quotes and colon, encoded once, padded to whole words for a word-at-a-time copy. */
export class JsonKey {
  private readonly bytes: ArrayBuffer;
  readonly length: i32;

  constructor(name: string) {
    const encoded = String.UTF8.encode('"' + name + '":');
    const len = encoded.byteLength;
    const padded = new ArrayBuffer((len + 7) & ~7);
    memory.copy(changetype<usize>(padded), changetype<usize>(encoded), len);
    this.bytes = padded;
    this.length = len;
  }

  /** Writes the key at `d`, with room for its length rounded up to a word. */
  @inline copyTo(d: usize): void {
    const src = changetype<usize>(this.bytes);
    for (let i = 0; i < this.length; i += 8) store<u64>(d + <usize>i, load<u64>(src + <usize>i));
  }
}

/**
 * Streams JSON into a ByteBuffer. Separators are tracked per nesting level, so callers write
 * keys and values in order and never place commas themselves. The methods are inlined: each call out
 * of line would set up and zero a shadow-stack frame of its own (the incremental GC's, for `this` and
 * the buffer), which cost more than most of them do.
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

  @inline private open(ch: u32): void {
    this.separate();
    this.out.writeByte(ch);
    this.depth++;
    assert(this.depth < MAX_DEPTH, "JSON nesting too deep");
    this.setFirst(this.depth, true);
  }

  @inline private close(ch: u32): void {
    this.out.writeByte(ch);
    this.depth--;
  }

  @inline beginObject(): void {
    this.open(0x7b);
  }
  @inline endObject(): void {
    this.close(0x7d);
  }
  @inline beginArray(): void {
    this.open(0x5b);
  }
  @inline endArray(): void {
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
  @inline encodedKey(key: JsonKey): void {
    this.separate();
    const out = this.out;
    out.reserve(key.length + 8);
    key.copyTo(out.dataStart + <usize>out.length);
    out.length += key.length;
    this.afterKey = true;
  }

  @inline string(s: string): void {
    this.separate();
    writeJsonStringUtf16(this.out, s);
  }

  /** A string from raw bytes: valid UTF-8 passes through, any other byte is read as Latin-1. */
  @inline stringBytes(ptr: usize, len: i32): void {
    this.separate();
    StringBytes.write(this.out, ptr, len);
  }

  /** A string whose characters need no escaping (base64, digits); the caller writes its content. */
  @inline beginRawString(): void {
    this.separate();
    this.out.writeByte(0x22);
  }

  @inline endRawString(): void {
    this.out.writeByte(0x22);
  }

  @inline u64(v: u64): void {
    this.separate();
    Decimal.write(this.out, v);
  }

  /** A u64 as a decimal string: JSON numbers lose precision above 2^53. */
  @inline u64String(v: u64): void {
    this.separate();
    this.out.writeByte(0x22);
    Decimal.write(this.out, v);
    this.out.writeByte(0x22);
  }

  @inline bool(v: bool): void {
    this.separate();
    this.out.writeAscii(v ? "true" : "false");
  }
}

/** The number of decimal digits of `v` (1 for 0). */
function decimalDigits(v: u64): i32 {
  let digits = 1;
  while (v >= 10) {
    digits++;
    v /= 10;
  }
  return digits;
}

/** Stores the `digits` decimal digits of `v` at `d`. */
function storeDecimal(d: usize, v: u64, digits: i32): void {
  let p = d + <usize>digits;
  do {
    p--;
    store<u8>(p, <u8>(0x30 + <u32>(v % 10)));
    v /= 10;
  } while (p > d);
}

// A static method only to carry @inline (see Escape): no frame of its own per number.
export class Decimal {
  @inline static write(out: ByteBuffer, v: u64): void {
    const digits = decimalDigits(v);
    out.reserve(digits);
    storeDecimal(out.dataStart + <usize>out.length, v, digits);
    out.length += digits;
  }
}

function needsEscape(b: u32): bool {
  return b < 0x20 || b == 0x22 || b == 0x5c;
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

/**
 * The high bit of the first byte of `v` (in memory order) that needs a look: below 0x20, a '"', a
 * '\\', or 0x80 and above (UTF-8 to validate); 0 when none does. Bits above the first may be wrong
 * (a borrow runs on into the next byte), so only the lowest set bit is meaningful.
 */
function lookBits(v: u64): u64 {
  const quote = v ^ 0x2222222222222222;
  const backslash = v ^ 0x5c5c5c5c5c5c5c5c;
  return (v | (v - 0x2020202020202020) | ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash)) & HIGHS;
}

/**
 * One bit per byte of the 16 at `p` (bit i for byte i) that needs a look: below 0x20, a '"', a '\\',
 * or 0x80 and above (UTF-8 to validate). A signed compare with 0x20 finds both the control bytes and
 * the high ones. Exported for the byte-by-byte reference test.
 */
export function lookMask(p: usize): i32 {
  const v = v128.load(p);
  const special = v128.or(i8x16.eq(v, i8x16.splat(0x22)), i8x16.eq(v, i8x16.splat(0x5c)));
  return i8x16.bitmask(v128.or(special, i8x16.lt_s(v, i8x16.splat(0x20))));
}

/** Room kept past the output for a whole vector stored before its bytes are known to be plain. */
const WORD_SLACK: i32 = 16;

/** Where escapeRun stopped writing (its second result). */
let escapedTo: usize = 0;

/**
 * One pass from the source into memory at `o`: each 16-byte vector (then word) is stored as it is, and
 * when one of its bytes needs a look the output is cut back to that byte, which is copied (valid UTF-8)
 * or escaped. Stops at `end`, or before an escape when the room up to `limit` could no longer hold the
 * rest of the source as it is and a vector (the caller then grows the buffer and calls again). Returns
 * where it stopped in the source, and sets escapedTo. Only addresses, no object: no shadow-stack frame
 * to set up per call.
 */
function escapeRun(o: usize, limit: usize, p: usize, end: usize): usize {
  while (p < end) {
    if (p + 16 <= end) {
      const look = lookMask(p);
      v128.store(o, v128.load(p));
      if (look == 0) {
        o += 16;
        p += 16;
        continue;
      }
      const plain = <usize>ctz(look);
      o += plain;
      p += plain;
    } else if (p + 8 <= end) {
      const v = load<u64>(p);
      store<u64>(o, v);
      const look = lookBits(v);
      if (look == 0) {
        o += 8;
        p += 8;
        continue;
      }
      const plain = <usize>(ctz(look) >> 3);
      o += plain;
      p += plain;
    } else {
      const b = <u32>load<u8>(p);
      if (b >= 0x20 && b < 0x80 && b != 0x22 && b != 0x5c) {
        store<u8>(o++, <u8>b);
        p++;
        continue;
      }
    }
    const b = <u32>load<u8>(p);
    if (b >= 0x80) {
      const n = <usize>utf8SequenceLength(p, end);
      if (n != 0) {
        for (let j: usize = 0; j < n; j++) store<u8>(o + j, load<u8>(p + j));
        o += n;
        p += n;
        continue;
      }
    }
    if (o + (end - p) + 6 + <usize>WORD_SLACK > limit) break;
    o += Escape.at(o, b);
    p++;
  }
  escapedTo = o;
  return p;
}

// A static method only to carry @inline (see Escape): JsonWriter.stringBytes inlines it into the
// record writer, whose frame it shares.
class StringBytes {
  /**
   * The quoted string of `len` bytes at `ptr`: valid UTF-8 passes through, any other byte is read as
   * Latin-1. The buffer always has room for the rest of the string as it is, the closing quote and a
   * word; an escape (up to 6 bytes for 1) makes room for its own extra bytes first.
   */
  @inline static write(out: ByteBuffer, ptr: usize, len: i32): void {
    out.reserve(len + 2 + WORD_SLACK);
    const end = ptr + <usize>len;
    let o = out.dataStart + <usize>out.length;
    store<u8>(o++, 0x22);
    let p = escapeRun(o, out.dataStart + <usize>out.capacity, ptr, end);
    while (p < end) {
      out.length = <i32>(escapedTo - out.dataStart);
      out.reserve(<i32>(end - p) + 6 + WORD_SLACK);
      p = escapeRun(out.dataStart + <usize>out.length, out.dataStart + <usize>out.capacity, p, end);
    }
    store<u8>(escapedTo, 0x22);
    out.length = <i32>(escapedTo + 1 - out.dataStart);
  }
}

export function writeJsonStringBytes(out: ByteBuffer, ptr: usize, len: i32): void {
  StringBytes.write(out, ptr, len);
}

/**
 * One bit per UTF-16 unit of the 8 at `p` (bit i for unit i) that is not plain ASCII: below 0x20, a '"',
 * a '\\', or 0x80 and above. Exported for the unit-by-unit reference test.
 */
export function unitLookMask(p: usize): i32 {
  const v = v128.load(p);
  const special = v128.or(i16x8.eq(v, i16x8.splat(0x22)), i16x8.eq(v, i16x8.splat(0x5c)));
  return i16x8.bitmask(v128.or(special, v128.or(i16x8.lt_u(v, i16x8.splat(0x20)), i16x8.gt_u(v, i16x8.splat(0x7f)))));
}

/** A string as UTF-8 in quotes; room for the worst case (6 bytes per UTF-16 unit) is made once. */
export function writeJsonStringUtf16(out: ByteBuffer, s: string): void {
  const src = changetype<usize>(s);
  const len = s.length;
  out.reserve(len * 6 + 2);
  const base = out.dataStart;
  let o = base + <usize>out.length;
  store<u8>(o++, 0x22);
  for (let i = 0; i < len; i++) {
    // Plain ASCII eight units a step (SIMD), narrowed to bytes: the eight bytes stored fit, since the
    // eight units or more left have 48 bytes of room; those past the plain ones are written over.
    while (i + 8 <= len) {
      const at = src + ((<usize>i) << 1);
      const look = unitLookMask(at);
      store<u64>(o, i64x2.extract_lane(i8x16.narrow_i16x8_u(v128.load(at), v128.load(at)), 0));
      const plain = look == 0 ? 8 : <i32>ctz(look);
      o += <usize>plain;
      i += plain;
      if (look != 0) break;
    }
    if (i >= len) break;
    const c = <u32>load<u16>(src + ((<usize>i) << 1));
    if (c < 0x80) {
      if (needsEscape(c)) o += Escape.at(o, c);
      else store<u8>(o++, <u8>c);
    } else if (c < 0x800) {
      store<u8>(o, <u8>(0xc0 | (c >> 6)));
      store<u8>(o + 1, <u8>(0x80 | (c & 63)));
      o += 2;
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < len) {
      const lo = <u32>load<u16>(src + ((<usize>(i + 1)) << 1));
      if (lo >= 0xdc00 && lo < 0xe000) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        store<u8>(o, <u8>(0xf0 | (cp >> 18)));
        store<u8>(o + 1, <u8>(0x80 | ((cp >> 12) & 63)));
        store<u8>(o + 2, <u8>(0x80 | ((cp >> 6) & 63)));
        store<u8>(o + 3, <u8>(0x80 | (cp & 63)));
        o += 4;
        i++;
      } else {
        o += Escape.at(o, c);
      }
    } else if (c >= 0xd800 && c < 0xe000) {
      o += Escape.at(o, c); // a lone surrogate has no UTF-8 form
    } else {
      store<u8>(o, <u8>(0xe0 | (c >> 12)));
      store<u8>(o + 1, <u8>(0x80 | ((c >> 6) & 63)));
      store<u8>(o + 2, <u8>(0x80 | (c & 63)));
      o += 3;
    }
  }
  store<u8>(o++, 0x22);
  out.length = <i32>(o - base);
}
