// JSON field values by key name, in one forward pass without a parse tree or a stack: a string is a key
// when the next non-space byte is ':'. A hidden string keeps its quotes; a hidden object, array, number
// or literal becomes "[REDACTED]" whole (its extent found with a bracket counter, not recursion). A body
// cut short (truncated capture) hides to its end; any nesting depth costs nothing.
import { hexValue } from "../encoding/hex";
import { Mark } from "./marks";
import { MAX_NAME_BYTES, NameSet } from "./names";
import { Target } from "./target";

const KEY = memory.data(MAX_NAME_BYTES);

function isSpace(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

const ONES: u64 = 0x0101010101010101;
const QUOTES: u64 = ONES * 0x22;
const BACKSLASHES: u64 = ONES * 0x5c;

/** The high bit of each zero byte of `x`; exact up to the first zero byte, all that is read of it. */
function zeroBytes(x: u64): u64 {
  return (x - ONES) & ~x & (ONES << 7);
}

/**
 * The quotes of the 16 bytes at `p`, one bit per byte (bit i for byte i), and their backslashes above
 * them (bit 16 + i). Exported for the byte-by-byte reference test.
 */
export function quoteAndBackslashMasks(p: usize): u32 {
  const x = v128.load(p);
  return <u32>i8x16.bitmask(i8x16.eq(x, i8x16.splat(0x22))) | ((<u32>i8x16.bitmask(i8x16.eq(x, i8x16.splat(0x5c)))) << 16);
}

/** The index of the next '"' or '\\' in [i, end), or `end`: sixteen bytes a step, then eight. */
function nextQuoteOrBackslash(base: usize, i: i32, end: i32): i32 {
  while (i + 16 <= end) {
    const m = quoteAndBackslashMasks(base + <usize>i);
    if (m != 0) return i + <i32>ctz((m | (m >>> 16)) & 0xffff);
    i += 16;
  }
  while (i + 8 <= end) {
    const x = load<u64>(base + <usize>i);
    const hit = zeroBytes(x ^ QUOTES) | zeroBytes(x ^ BACKSLASHES);
    if (hit != 0) return i + <i32>(ctz(hit) >> 3);
    i += 8;
  }
  while (i < end) {
    const c = load<u8>(base + i);
    if (c == 0x22 || c == 0x5c) return i;
    i++;
  }
  return end;
}

/** The index of the quote closing the string whose content starts at `i`, or `end` if cut short. */
function stringEnd(base: usize, i: i32, end: i32): i32 {
  while (true) {
    i = nextQuoteOrBackslash(base, i, end);
    if (i >= end) return end;
    if (load<u8>(base + i) == 0x22) return i;
    i += 2;
  }
}

function skipSpace(base: usize, i: i32, end: i32): i32 {
  while (i < end && isSpace(<u32>load<u8>(base + i))) i++;
  return i;
}

/**
 * Walks the strings of [start, end) sixteen bytes a step (SIMD): the quotes and backslashes of a vector
 * are found at once, one bit per byte, and taken in order, so the inside of strings and the bytes
 * between them cost a few operations per vector, and each quote a few more. A string is a key when the
 * next non-space byte after it is ':'.
 */
export function redactJson(t: Target, base: usize, start: i32, end: i32): void {
  if (t.fields.size == 0) return;
  let inString = false;
  let open = 0;
  let escaped = false;
  let i = start;
  while (i < end) {
    let quotes: u32 = 0;
    let slashes: u32 = 0;
    let next = i + 16;
    if (next <= end) {
      const m = quoteAndBackslashMasks(base + <usize>i);
      quotes = m & 0xffff;
      slashes = m >>> 16;
    } else {
      next = end;
      for (let j = 0; j < end - i; j++) {
        const c = load<u8>(base + <usize>(i + j));
        if (c == 0x22) quotes |= (<u32>1) << j;
        else if (c == 0x5c) slashes |= (<u32>1) << j;
      }
    }
    let events = quotes | slashes;
    while (events != 0) {
      const bit = events & (~events + 1);
      events ^= bit;
      const at = i + <i32>ctz(bit);
      if ((slashes & bit) != 0) {
        if (!inString) continue;
        // The escaped byte is no event: a quote there does not close the string.
        escaped = true;
        if (bit < (<u32>1) << 15) events &= ~(bit << 1);
        else next = at + 2;
        continue;
      }
      if (!inString) {
        inString = true;
        open = at;
        escaped = false;
        continue;
      }
      inString = false;
      const after = skipSpace(base, at + 1, end);
      if (after < end && load<u8>(base + after) == 0x3a && keyNamed(t.fields, base, open + 1, at, escaped)) {
        next = hideValue(t, base, skipSpace(base, after + 1, end), end);
        break;
      }
    }
    i = next;
  }
}

/** Hides the value starting at `v`; returns where scanning resumes. */
function hideValue(t: Target, base: usize, v: i32, end: i32): i32 {
  if (v >= end) return end;
  const c = load<u8>(base + v);
  if (c == 0x22) {
    const close = stringEnd(base, v + 1, end);
    t.hide(base, v + 1, close, Mark.Text);
    return close + 1;
  }
  if (c == 0x7b || c == 0x5b) {
    const close = containerEnd(base, v, end);
    t.marks.mark(v, close, Mark.Quoted);
    return close;
  }
  let e = v;
  while (e < end) {
    const b = <u32>load<u8>(base + e);
    if (b == 0x2c || b == 0x7d || b == 0x5d || isSpace(b)) break;
    e++;
  }
  t.hide(base, v, e, Mark.Quoted);
  return e;
}

/** The index after the bracket closing the container opened at `v`, or `end`. */
function containerEnd(base: usize, v: i32, end: i32): i32 {
  let depth = 0;
  let i = v;
  while (i < end) {
    const c = load<u8>(base + i);
    if (c == 0x22) {
      i = stringEnd(base, i + 1, end) + 1;
      continue;
    }
    if (c == 0x7b || c == 0x5b) depth++;
    else if (c == 0x7d || c == 0x5d) {
      depth--;
      if (depth == 0) return i + 1;
    }
    i++;
  }
  return end;
}

/**
 * Whether the key [start, end) (raw, between its quotes; `escaped` when it holds a backslash) is a
 * field name once its escapes are decoded.
 */
function keyNamed(fields: NameSet, base: usize, start: i32, end: i32, escaped: bool): bool {
  const len = end - start;
  if (!escaped) return fields.has(base + start, len);
  // Escapes only lengthen a key (\u0077 is six bytes for one): a raw key up to 6× the longest name may match.
  if (len <= 0 || len > 6 * fields.longest) return false;
  let n = 0;
  let i = start;
  while (i < end) {
    let c = <u32>load<u8>(base + i);
    if (c == 0x5c && i + 1 < end) {
      const e = <u32>load<u8>(base + i + 1);
      i += 2;
      if (e == 0x75) {
        if (i + 4 > end) return false;
        let cp = 0;
        for (let k = 0; k < 4; k++) {
          const h = hexValue(<u32>load<u8>(base + i + k));
          if (h < 0) return false;
          cp = (cp << 4) | h;
        }
        i += 4;
        // Names are ASCII: a key with any other character is no name.
        if (cp >= 0x80) return false;
        c = <u32>cp;
      } else if (e == 0x6e) c = 0x0a;
      else if (e == 0x74) c = 0x09;
      else if (e == 0x72) c = 0x0d;
      else if (e == 0x62) c = 0x08;
      else if (e == 0x66) c = 0x0c;
      else c = e;
    } else {
      i++;
    }
    if (n == MAX_NAME_BYTES) return false;
    store<u8>(KEY + n, <u8>c);
    n++;
  }
  return fields.has(KEY, n);
}
