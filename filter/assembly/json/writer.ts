import { ByteBuffer } from "./bytes";
import { utf8SequenceLength } from "../encoding/utf8";

const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const MAX_DEPTH = 32;

/**
 * Streams JSON into a ByteBuffer. Separators are tracked per nesting level, so callers write
 * keys and values in order and never place commas themselves.
 */
export class JsonWriter {
  out: ByteBuffer;
  private first: StaticArray<bool> = new StaticArray<bool>(MAX_DEPTH);
  private depth: i32 = 0;
  private afterKey: bool = false;

  constructor(out: ByteBuffer) {
    this.out = out;
    this.first[0] = true;
  }

  /** Continues an already-open container of `out` (used to append records to a batch). */
  resume(depth: i32, empty: bool): void {
    this.depth = depth;
    this.first[depth] = empty;
    this.afterKey = false;
  }

  private separate(): void {
    if (this.afterKey) {
      this.afterKey = false;
      return;
    }
    if (!this.first[this.depth]) this.out.writeByte(0x2c);
    this.first[this.depth] = false;
  }

  private open(ch: u32): void {
    this.separate();
    this.out.writeByte(ch);
    this.depth++;
    this.first[this.depth] = true;
  }

  private close(ch: u32): void {
    this.out.writeByte(ch);
    this.depth--;
  }

  beginObject(): void { this.open(0x7b); }
  endObject(): void { this.close(0x7d); }
  beginArray(): void { this.open(0x5b); }
  endArray(): void { this.close(0x5d); }

  /** Writes an object key; keys are program constants, ASCII and free of characters to escape. */
  key(name: string): void {
    this.separate();
    this.out.writeByte(0x22);
    this.out.writeAscii(name);
    this.out.writeByte(0x22);
    this.out.writeByte(0x3a);
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

@inline function needsEscape(b: u32): bool {
  return b < 0x20 || b == 0x22 || b == 0x5c;
}

function writeEscape(out: ByteBuffer, c: u32): void {
  out.writeByte(0x5c);
  switch (c) {
    case 0x22: out.writeByte(0x22); return;
    case 0x5c: out.writeByte(0x5c); return;
    case 0x0a: out.writeByte(0x6e); return;
    case 0x0d: out.writeByte(0x72); return;
    case 0x09: out.writeByte(0x74); return;
    default:
      out.writeByte(0x75);
      out.writeByte(load<u8>(HEX + ((c >> 12) & 15)));
      out.writeByte(load<u8>(HEX + ((c >> 8) & 15)));
      out.writeByte(load<u8>(HEX + ((c >> 4) & 15)));
      out.writeByte(load<u8>(HEX + (c & 15)));
  }
}

export function writeJsonStringBytes(out: ByteBuffer, ptr: usize, len: i32): void {
  out.writeByte(0x22);
  const end = ptr + <usize>len;
  let p = ptr;
  let run = ptr; // start of the pending run of bytes copied as they are
  while (p < end) {
    const b = <u32>load<u8>(p);
    if (b < 0x80) {
      if (needsEscape(b)) {
        out.writeBytes(run, <i32>(p - run));
        writeEscape(out, b);
        run = p + 1;
      }
      p++;
      continue;
    }
    const n = utf8SequenceLength(p, end);
    if (n == 0) {
      out.writeBytes(run, <i32>(p - run));
      writeEscape(out, b);
      run = p + 1;
      p++;
    } else {
      p += n;
    }
  }
  out.writeBytes(run, <i32>(end - run));
  out.writeByte(0x22);
}

export function writeJsonStringUtf16(out: ByteBuffer, s: string): void {
  out.writeByte(0x22);
  const src = changetype<usize>(s);
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u16>(src + (<usize>i << 1));
    if (c < 0x80) {
      if (needsEscape(c)) writeEscape(out, c);
      else out.writeByte(c);
    } else if (c < 0x800) {
      out.writeByte(0xc0 | (c >> 6));
      out.writeByte(0x80 | (c & 63));
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < len) {
      const lo = <u32>load<u16>(src + (<usize>(i + 1) << 1));
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
