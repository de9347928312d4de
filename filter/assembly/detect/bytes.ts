// Byte-level helpers shared by the detectors: a reusable scratch buffer, a character-class table and
// small comparisons. Detectors work on lower-cased UTF-8 bytes in these buffers, never on strings.

/** A scratch buffer reused across values; it grows (rarely) and never shrinks. */
export { hexValue } from "../encoding/hex";

export class Scratch {
  data: ArrayBuffer;
  len: i32 = 0;

  constructor(capacity: i32 = 1024) {
    this.data = new ArrayBuffer(capacity);
  }

  @inline get ptr(): usize {
    return changetype<usize>(this.data);
  }

  /** Makes room for `n` bytes; the previous contents are dropped when it has to grow. */
  ensure(n: i32): void {
    let cap = this.data.byteLength;
    if (n <= cap) return;
    while (cap < n) cap <<= 1;
    this.data = new ArrayBuffer(cap);
  }
}

// Character classes (bit flags). The union of the classes of a value decides which detectors run.
export const C_ALNUM: u32 = 1 << 0;
export const C_SPACE: u32 = 1 << 1; // space, \t, \v, \f
export const C_NL: u32 = 1 << 2; // \n \r
export const C_QUOTE: u32 = 1 << 3; // ' " `
export const C_LT: u32 = 1 << 4; // <
export const C_GT: u32 = 1 << 5; // >
export const C_PAREN: u32 = 1 << 6; // ( )
export const C_SEMI: u32 = 1 << 7; // ;
export const C_PIPE: u32 = 1 << 8; // |
export const C_AMP: u32 = 1 << 9; // &
export const C_DOLLAR: u32 = 1 << 10; // $
export const C_BRACE: u32 = 1 << 11; // { }
export const C_SLASH: u32 = 1 << 12; // / \
export const C_DOT: u32 = 1 << 13; // .
export const C_COLON: u32 = 1 << 14; // :
export const C_EQ: u32 = 1 << 15; // =
export const C_HASH: u32 = 1 << 16; // #
export const C_DASH: u32 = 1 << 17; // -
export const C_STAR: u32 = 1 << 18; // *
export const C_AT: u32 = 1 << 19; // @
export const C_PCT: u32 = 1 << 20; // %
export const C_PLUS: u32 = 1 << 21; // +
export const C_BSLASH: u32 = 1 << 22; // \ (also in C_SLASH)
export const C_HIGH: u32 = 1 << 23; // bytes >= 0x80
export const C_CTRL: u32 = 1 << 24; // other control bytes, NUL
export const C_OTHER: u32 = 1 << 25; // other punctuation: , ! ? ^ ~ [ ] _
export const C_DIGIT: u32 = 1 << 26;
export const C_USCORE: u32 = 1 << 27; // _ (always with C_ALNUM)
export const C_UPPER: u32 = 1 << 28; // A-Z (always with C_ALNUM): normalisation has to lower-case them

/** Classes that mean "plain word material": a value made only of these needs no inspection. */
export const PLAIN: u32 = C_ALNUM | C_DIGIT | C_DASH | C_AT | C_USCORE | C_UPPER;
/** Bytes that an encoding layer may hide something behind. */
export const ENCODED: u32 = C_PCT | C_AMP | C_BSLASH | C_HIGH | C_PLUS;

export const CLASS = buildClasses();

function buildClasses(): StaticArray<u32> {
  const t = new StaticArray<u32>(256);
  for (let c = 0; c < 256; c++) {
    let k: u32 = C_OTHER;
    if (c >= 0x61 && c <= 0x7a) k = C_ALNUM;
    else if (c >= 0x41 && c <= 0x5a) k = C_ALNUM | C_UPPER;
    else if (c == 0x5f) k = C_ALNUM | C_USCORE;
    else if (c >= 0x30 && c <= 0x39) k = C_DIGIT;
    else if (c == 0x20 || c == 0x09 || c == 0x0b || c == 0x0c) k = C_SPACE;
    else if (c == 0x0a || c == 0x0d) k = C_NL;
    else if (c == 0x27 || c == 0x22 || c == 0x60) k = C_QUOTE;
    else if (c == 0x3c) k = C_LT;
    else if (c == 0x3e) k = C_GT;
    else if (c == 0x28 || c == 0x29) k = C_PAREN;
    else if (c == 0x3b) k = C_SEMI;
    else if (c == 0x7c) k = C_PIPE;
    else if (c == 0x26) k = C_AMP;
    else if (c == 0x24) k = C_DOLLAR;
    else if (c == 0x7b || c == 0x7d) k = C_BRACE;
    else if (c == 0x2f) k = C_SLASH;
    else if (c == 0x5c) k = C_SLASH | C_BSLASH;
    else if (c == 0x2e) k = C_DOT;
    else if (c == 0x3a) k = C_COLON;
    else if (c == 0x3d) k = C_EQ;
    else if (c == 0x23) k = C_HASH;
    else if (c == 0x2d) k = C_DASH;
    else if (c == 0x2a) k = C_STAR;
    else if (c == 0x40) k = C_AT;
    else if (c == 0x25) k = C_PCT;
    else if (c == 0x2b) k = C_PLUS;
    else if (c >= 0x80) k = C_HIGH;
    else if (c < 0x20 || c == 0x7f) k = C_CTRL;
    t[c] = k;
  }
  return t;
}

/** Union of the classes of `len` bytes at `p`. */
export function classesOf(p: usize, len: i32): u32 {
  let m: u32 = 0;
  const t = changetype<usize>(CLASS);
  for (let i = 0; i < len; i++) m |= load<u32>(t + ((<usize>load<u8>(p + i)) << 2));
  return m;
}

export function cls(c: u32): u32 {
  return load<u32>(changetype<usize>(CLASS) + ((<usize>(c & 0xff)) << 2));
}

export function isWordByte(c: u32): bool {
  return (cls(c) & (C_ALNUM | C_DIGIT)) != 0;
}

export function isSpaceByte(c: u32): bool {
  return c == 0x20 || (c >= 0x09 && c <= 0x0d);
}

export function isAlpha(c: u32): bool {
  return (c | 0x20) - 0x61 < 26;
}

export function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

/** Whether the bytes at `p` (bounded by `end`) start with the ASCII string `s` (already lower-case). */
export function startsWith(p: usize, end: usize, s: string): bool {
  const n = s.length;
  if (p + <usize>n > end) return false;
  const sp = changetype<usize>(s);
  for (let i = 0; i < n; i++) {
    if (<u32>load<u8>(p + i) != <u32>load<u16>(sp + ((<usize>i) << 1))) return false;
  }
  return true;
}

/** Skips spaces and control bytes. */
export function skipSpace(p: usize, end: usize): usize {
  while (p < end && isSpaceByte(load<u8>(p))) p++;
  return p;
}
