// Input normalisation: undo the encodings an attacker can stack so that the detectors see what the
// application will finally see. Each round decodes URL escapes (%hh, %uXXXX, `+` as space on the first
// round of query/form values), HTML character references and JavaScript escapes (\uXXXX, \u{...},
// \xhh) in one pass; rounds repeat until nothing changes (at most MAX_ROUNDS). A final pass lower-cases
// ASCII, drops NULs and invisible characters, and folds over-long UTF-8 and look-alike code points
// (full-width forms, division slash, enclosed letters...) to ASCII.
// Output length never exceeds input length, so every pass runs in place-size scratch buffers.

import { Scratch, CLASS, ENCODED, C_PLUS, C_UPPER, C_CTRL, C_HIGH, hexValue, isAlpha } from "./bytes";
import { Lexicon } from "./lexicon";

export const MAX_ROUNDS = 4;

/** Flag: `+` means space (query strings and form bodies). */
export const NORM_PLUS_SPACE: i32 = 1;
/** Flag: the value is the URL path (absolute by nature). */
export const NORM_URL_PATH: i32 = 2;
/** Flag (read by the detectors, not by normalisation): the parameter is named like a file to include (file=, page=). */
export const NORM_INCLUDE_NAME: i32 = 4;

const bufA = new Scratch(1024);
const bufB = new Scratch(1024);

/** Named character references we decode (the ones that matter for markup, scripts and paths). */
const ENTITIES = new Lexicon()
  .add("lt", 0x3c)
  .add("gt", 0x3e)
  .add("amp", 0x26)
  .add("quot", 0x22)
  .add("apos", 0x27)
  .add("nbsp", 0x20)
  .add("tab", 0x09)
  .add("newline", 0x0a)
  .add("colon", 0x3a)
  .add("lpar", 0x28)
  .add("rpar", 0x29)
  .add("sol", 0x2f)
  .add("bsol", 0x5c)
  .add("semi", 0x3b)
  .add("comma", 0x2c)
  .add("period", 0x2e)
  .add("excl", 0x21)
  .add("num", 0x23)
  .add("dollar", 0x24)
  .add("percnt", 0x25)
  .add("lsqb lbrack", 0x5b)
  .add("rsqb rbrack", 0x5d)
  .add("lcub lbrace", 0x7b)
  .add("rcub rbrace", 0x7d)
  .add("grave", 0x60)
  .add("equals", 0x3d)
  .add("plus", 0x2b)
  .add("ast midast", 0x2a)
  .add("verbar vert", 0x7c)
  .add("quest", 0x3f)
  .add("lowbar", 0x5f)
  .add("hat", 0x5e)
  .add("commat", 0x40)
  .add("dot", 0x2e)
  .add("hyphen dash", 0x2d)
  .add("shy", 0x00);

/** Result of `normalize`: where the normalised bytes are, and the union of their classes. */
export class Normalized {
  ptr: usize = 0;
  len: i32 = 0;
  classes: u32 = 0;
  /** The decoded bytes held an over-long lead byte (C0/C1): see `overlongAsPath`. */
  overlong: bool = false;
}

/** The decoded (not yet folded) bytes of the last `normalize` call. */
let decodedPtr: usize = 0;
let decodedLen: i32 = 0;
const pathFold = new Scratch(1024);

const fold = new Scratch(1024);

/** Raw classes after which the fold pass would change nothing: upper case, NUL and controls, non-ASCII. */
const FOLDED: u32 = C_UPPER | C_CTRL | C_HIGH;

/**
 * Normalises `len` bytes at `src` into an internal buffer (valid until the next call) and returns a
 * shared Normalized describing it. `raw` is the union of the input's classes (classesOf): a value with
 * nothing to decode and nothing to fold is its own normalisation, read in place without a copy.
 */
export function normalize(src: usize, len: i32, flags: i32, out: Normalized, raw: u32): Normalized {
  // The bytes a decoding round reads (needsDecoding): none in the raw value, no round at all.
  const escapes = (flags & NORM_PLUS_SPACE) != 0 ? ENCODED & ~C_HIGH : ENCODED & ~(C_HIGH | C_PLUS);
  if ((raw & (escapes | FOLDED)) == 0) {
    decodedPtr = src;
    decodedLen = len;
    out.ptr = src;
    out.len = len;
    out.classes = raw;
    out.overlong = false;
    return out;
  }
  let cur = src;
  let curLen = len;
  bufA.ensure(len);
  bufB.ensure(len);
  let useA = true;
  const rounds = (raw & escapes) != 0 ? MAX_ROUNDS : 0;
  for (let round = 0; round < rounds; round++) {
    if (!needsDecoding(cur, curLen, round == 0 && (flags & NORM_PLUS_SPACE) != 0)) break;
    const dst = useA ? bufA : bufB;
    const n = decodeRound(cur, curLen, dst.ptr, round == 0 && (flags & NORM_PLUS_SPACE) != 0);
    if (n == curLen && memory.compare(cur, dst.ptr, n) == 0) break;
    cur = dst.ptr;
    curLen = n;
    useA = !useA;
  }
  fold.ensure(curLen);
  decodedPtr = cur;
  decodedLen = curLen;
  overlongSeen = false;
  const n = foldPass(cur, curLen, fold.ptr, out, false);
  out.overlong = overlongSeen;
  out.ptr = fold.ptr;
  out.len = n;
  return out;
}

function needsDecoding(p: usize, len: i32, plus: bool): bool {
  const t = changetype<usize>(CLASS);
  const want: u32 = plus ? ENCODED : ENCODED & ~C_PLUS;
  for (let i = 0; i < len; i++) {
    const c = load<u8>(p + i);
    if (c < 0x80 && (load<u32>(t + ((<usize>c) << 2)) & want) != 0) return true;
  }
  return false;
}

/** One decoding round from `src` to `dst`; returns the output length (≤ len). */
function decodeRound(src: usize, len: i32, dst: usize, plusSpace: bool): i32 {
  const end = src + <usize>len;
  let p = src;
  let o = dst;
  lastEscape = 0;
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c == 0x25) {
      // %
      if (p + 2 < end) {
        const h1 = hexValue(load<u8>(p + 1));
        const h2 = hexValue(load<u8>(p + 2));
        if (h1 >= 0 && h2 >= 0) {
          store<u8>(o++, <u8>((h1 << 4) | h2));
          lastEscape = o;
          p += 3;
          continue;
        }
        // Over-long pairs written with lenient "hex" (old IIS decoders read any letter as a digit:
        // %c0%qf = %c0%af = '/'): accepted only next to a C0/C1 lead byte.
        const lv = lenientHex(p + 1);
        if (lv >= 0) {
          const prev: u32 = o > dst ? <u32>load<u8>(o - 1) : 0;
          const leadNext = (lv == 0xc0 || lv == 0xc1) && p + 5 < end && load<u8>(p + 3) == 0x25 && lenientHex(p + 4) >= 0;
          if (((prev == 0xc0 || prev == 0xc1) && o - 1 >= lastEscape) || leadNext) {
            store<u8>(o++, <u8>lv);
            lastEscape = o;
            p += 3;
            continue;
          }
        }
        // Nibble double-encoding: %%35%%63 = '%' '5' 'c' (each hex digit of an escape escaped again).
        if (load<u8>(p + 1) == 0x25 && p + 3 < end) {
          const n1 = escapedHexDigit(p + 1, end);
          if (n1 >= 0) {
            let r = p + 4;
            if (r < end && load<u8>(r) == 0x25 && r + 1 < end && load<u8>(r + 1) == 0x25) r++;
            const n2 = escapedHexDigit(r, end);
            if (n2 >= 0) {
              store<u8>(o++, 0x25);
              store<u8>(o++, <u8>n1);
              store<u8>(o++, <u8>n2);
              p = r + 3;
              continue;
            }
          }
        }
        if ((load<u8>(p + 1) | 0x20) == 0x75 && p + 5 < end) {
          const cp = hex4(p + 2);
          if (cp >= 0) {
            o = putCodePoint(o, <u32>cp);
            p += 6;
            continue;
          }
        }
      }
      store<u8>(o++, <u8>c);
      p++;
    } else if (c == 0x2b && plusSpace) {
      store<u8>(o++, 0x20);
      p++;
    } else if (c == 0x26) {
      // &
      const q = decodeEntity(p, end);
      if (q > p) {
        o = putCodePoint(o, entityValue);
        p = q;
      } else {
        store<u8>(o++, <u8>c);
        p++;
      }
    } else if (c == 0x5c && p + 1 < end) {
      // backslash
      const e = load<u8>(p + 1) | 0x20;
      if (e == 0x75) {
        // \uXXXX or \u{X...}
        if (p + 5 < end) {
          const cp = hex4(p + 2);
          if (cp >= 0) {
            o = putCodePoint(o, <u32>cp);
            p += 6;
            continue;
          }
        }
        if (p + 3 < end && load<u8>(p + 2) == 0x7b) {
          let q = p + 3;
          let cp: u32 = 0;
          let digits = 0;
          while (q < end && digits < 7) {
            const h = hexValue(load<u8>(q));
            if (h < 0) break;
            cp = (cp << 4) | <u32>h;
            q++;
            digits++;
          }
          if (digits > 0 && q < end && load<u8>(q) == 0x7d) {
            o = putCodePoint(o, cp);
            p = q + 1;
            continue;
          }
        }
      } else if (e == 0x78 && p + 3 < end) {
        // \xhh: a raw byte (payloads escape UTF-8 byte by byte)
        const h1 = hexValue(load<u8>(p + 2));
        const h2 = hexValue(load<u8>(p + 3));
        if (h1 >= 0 && h2 >= 0) {
          store<u8>(o++, <u8>((h1 << 4) | h2));
          p += 4;
          continue;
        }
      }
      store<u8>(o++, <u8>c);
      p++;
    } else {
      store<u8>(o++, <u8>c);
      p++;
    }
  }
  return <i32>(o - dst);
}

/** Position just after the last byte a %-escape produced in the current round (for over-long pairs). */
let lastEscape: usize = 0;

/** Two "hex" digits read leniently (0-9, then a=10 ... z=35), as old decoders did; -1 if not alphanumeric. */
function lenientHex(p: usize): i32 {
  const a = lenientDigit(load<u8>(p));
  const b = lenientDigit(load<u8>(p + 1));
  if (a < 0 || b < 0) return -1;
  return ((a << 4) + b) & 0xff;
}

function lenientDigit(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 26) return <i32>(l - 0x61 + 10);
  return -1;
}

/** At `p`: '%' + two hex digits that decode to an ASCII hex digit; returns that digit's character or -1. */
function escapedHexDigit(p: usize, end: usize): i32 {
  if (p + 2 >= end || load<u8>(p) != 0x25) return -1;
  const h1 = hexValue(load<u8>(p + 1));
  const h2 = hexValue(load<u8>(p + 2));
  if (h1 < 0 || h2 < 0) return -1;
  const c = (h1 << 4) | h2;
  return hexValue(c) >= 0 ? c : -1;
}

function hex4(p: usize): i32 {
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const h = hexValue(load<u8>(p + i));
    if (h < 0) return -1;
    v = (v << 4) | h;
  }
  return v;
}

let entityValue: u32 = 0;

/** Decodes a character reference at `p` (which holds '&'); returns the position after it, or `p`. */
function decodeEntity(p: usize, end: usize): usize {
  let q = p + 1;
  if (q >= end) return p;
  if (load<u8>(q) == 0x23) {
    // &#
    q++;
    let hex = false;
    if (q < end && (load<u8>(q) | 0x20) == 0x78) {
      hex = true;
      q++;
    }
    let v: u32 = 0;
    let digits = 0;
    while (q < end) {
      const c = <u32>load<u8>(q);
      const d = hex ? hexValue(c) : c - 0x30 < 10 ? <i32>(c - 0x30) : -1;
      if (d < 0) break;
      if (v < 0x110000) v = v * (hex ? 16 : 10) + <u32>d;
      q++;
      digits++;
    }
    if (digits == 0) return p;
    if (q < end && load<u8>(q) == 0x3b) q++;
    entityValue = v > 0x10ffff ? 0xfffd : v;
    return q;
  }
  const start = q;
  while (q < end && q - start < 8 && isAlpha(load<u8>(q))) q++;
  const n = <i32>(q - start);
  if (n < 2) return p;
  // Names are matched case-insensitively: lower-case them into a small stack copy.
  const tmp = memory.data(8);
  for (let i = 0; i < n; i++) store<u8>(tmp + i, load<u8>(start + i) | 0x20);
  const v = ENTITIES.find(tmp, n);
  if (v < 0) return p;
  if (q < end && load<u8>(q) == 0x3b) {
    q++;
  } else if (!(v == 0x3c || v == 0x3e || v == 0x26 || v == 0x22)) {
    return p; // only the legacy references may omit the semicolon
  }
  entityValue = <u32>v;
  return q;
}

/** Writes code point `cp` as UTF-8 (surrogates and NUL included: the fold pass handles them). */
function putCodePoint(o: usize, cp: u32): usize {
  if (cp < 0x80) {
    store<u8>(o, <u8>cp);
    return o + 1;
  }
  if (cp < 0x800) {
    store<u8>(o, <u8>(0xc0 | (cp >> 6)));
    store<u8>(o + 1, <u8>(0x80 | (cp & 0x3f)));
    return o + 2;
  }
  if (cp < 0x10000) {
    store<u8>(o, <u8>(0xe0 | (cp >> 12)));
    store<u8>(o + 1, <u8>(0x80 | ((cp >> 6) & 0x3f)));
    store<u8>(o + 2, <u8>(0x80 | (cp & 0x3f)));
    return o + 3;
  }
  store<u8>(o, <u8>(0xf0 | (cp >> 18)));
  store<u8>(o + 1, <u8>(0x80 | ((cp >> 12) & 0x3f)));
  store<u8>(o + 2, <u8>(0x80 | ((cp >> 6) & 0x3f)));
  store<u8>(o + 3, <u8>(0x80 | (cp & 0x3f)));
  return o + 4;
}

/**
 * The last normalised value folded again, reading every over-long pair (lead byte C0/C1 and the byte
 * after it, whatever it is) as a path character: '.' when its low six bits say so, '/' otherwise. Old
 * decoders (IIS's among them) ignored the top bits of the second byte, so traversal lists spell dots
 * and separators with any of them (%c0%2e %c0%ae %c0%ee, %c1%1c %c1%9c %c1%af %c0%af...). Only the
 * traversal detector reads this rendering, and only when `overlong` was set.
 */
export function overlongAsPath(out: Normalized): Normalized {
  pathFold.ensure(decodedLen);
  const n = foldPass(decodedPtr, decodedLen, pathFold.ptr, out, true);
  out.ptr = pathFold.ptr;
  out.len = n;
  return out;
}

let overlongSeen = false;

/**
 * Final pass: lower-case, drop NUL and invisible characters, fold over-long forms and look-alikes.
 * Every code point becomes at most as many bytes as it had, so the output fits in `len` bytes.
 */
function foldPass(src: usize, len: i32, dst: usize, out: Normalized, overlongPath: bool): i32 {
  const end = src + <usize>len;
  const t = changetype<usize>(CLASS);
  let p = src;
  let o = dst;
  let classes: u32 = 0;
  while (p < end) {
    // ASCII fast path.
    let c = <u32>load<u8>(p);
    if (c < 0x80) {
      p++;
      if (c == 0) continue;
      if (c - 0x41 < 26) c |= 0x20;
      store<u8>(o++, <u8>c);
      classes |= load<u32>(t + ((<usize>c) << 2));
      continue;
    }
    if (c == 0xc0 || c == 0xc1) {
      overlongSeen = true;
      if (overlongPath && p + 1 < end) {
        const v = ((c & 1) << 6) | (<u32>load<u8>(p + 1) & 0x3f);
        const a: u32 = v == 0x2e ? 0x2e : 0x2f;
        store<u8>(o++, <u8>a);
        classes |= load<u32>(t + ((<usize>a) << 2));
        p += 2;
        continue;
      }
    }
    // Multi-byte: decode leniently (over-long forms included).
    let n = 0;
    let cp: u32 = 0;
    if (c >= 0xc0 && c < 0xe0) {
      n = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c < 0xf0) {
      n = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c < 0xf8) {
      n = 4;
      cp = c & 0x07;
    } else if (c >= 0xf8 && c < 0xfc) {
      n = 5;
      cp = c & 0x03;
    } else if (c >= 0xfc && c < 0xfe) {
      n = 6;
      cp = c & 0x01;
    }
    let ok = n > 0 && p + <usize>n <= end;
    if (ok) {
      for (let i = 1; i < n; i++) {
        const b = <u32>load<u8>(p + i);
        if ((b & 0xc0) != 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (b & 0x3f);
      }
    }
    if (!ok && (c == 0xc0 || c == 0xc1)) {
      // A lone over-long lead byte: decoders drop it and read the next byte afresh (%c0%5c → '\').
      p++;
      continue;
    }
    if (!ok) {
      store<u8>(o++, <u8>c);
      classes |= load<u32>(t + ((<usize>c) << 2));
      p++;
      continue;
    }
    const mapped = foldCodePoint(cp);
    if (mapped == 0) {
      p += n; // invisible: drop
      continue;
    }
    if (mapped < 0x80) {
      let a = mapped;
      if (a - 0x41 < 26) a |= 0x20;
      store<u8>(o++, <u8>a);
      classes |= load<u32>(t + ((<usize>a) << 2));
      p += n;
      continue;
    }
    // Not folded: keep the original bytes.
    memory.copy(o, p, n);
    o += n;
    p += n;
    classes |= C_HIGH;
  }
  out.classes = classes;
  return <i32>(o - dst);
}

/** ASCII stand-in for a code point, 0 to drop it, or the code point itself (≥ 0x80) to keep it. */
function foldCodePoint(cp: u32): u32 {
  if (cp < 0x80) return cp; // over-long form of ASCII (NUL included → dropped)
  if (cp >= 0xff01 && cp <= 0xff5e) return cp - 0xfee0; // full-width forms
  if (cp >= 0x24b6 && cp <= 0x24cf) return cp - 0x24b6 + 0x61; // circled capitals
  if (cp >= 0x24d0 && cp <= 0x24e9) return cp - 0x24d0 + 0x61; // circled small letters
  switch (cp) {
    case 0xa0:
    case 0x1680:
    case 0x202f:
    case 0x205f:
    case 0x3000:
    case 0x85:
      return 0x20;
    case 0xad:
    case 0x200b:
    case 0x200c:
    case 0x200d:
    case 0x2060:
    case 0xfeff:
    case 0x180e:
      return 0;
    case 0x2028:
    case 0x2029:
      return 0x0a;
    case 0x2215:
    case 0x2044:
    case 0x29f8:
    case 0xff0f:
    case 0xefc8:
    case 0xf025:
      return 0x2f; // incl. best-fit slashes
    case 0x2216:
    case 0x29f9:
    case 0xfe68:
      return 0x5c;
    case 0x2024:
    case 0xfe52:
      return 0x2e;
    case 0x2039:
    case 0xfe64:
    case 0x3008:
      return 0x3c;
    case 0x203a:
    case 0xfe65:
    case 0x3009:
      return 0x3e;
    // Typographic quotes and primes: best-fit conversions (and some databases' collations)
    // turn them into their ASCII forms.
    case 0x2bc:
    case 0x2b9:
    case 0x2018:
    case 0x2019:
    case 0x201a:
    case 0x201b:
    case 0x2032:
    case 0x2035:
      return 0x27;
    case 0x201c:
    case 0x201d:
    case 0x201e:
    case 0x201f:
    case 0x2033:
    case 0x2036:
      return 0x22;
  }
  if (cp >= 0x2000 && cp <= 0x200a) return 0x20;
  return cp;
}
