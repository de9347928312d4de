// The JSON walker: every string value and key of a document inspected, each reported at its JSON path
// ("body.json:$.a.b[2]"). One pass, no tree; strings with escapes are unescaped into a scratch buffer.

import { Scratch, CLASS, C_QUOTE, C_BSLASH, classesOf, isSpaceByte } from "./bytes";
import { scanClassified } from "./scan";
import { setLocation, DOC_CLEAN, DOC_HIT, DOC_INVALID, MAX_DEPTH } from "./walk";

const jsonIsArray = new StaticArray<bool>(MAX_DEPTH);
const jsonIndex = new StaticArray<i32>(MAX_DEPTH);
const jsonKeyPtr = new StaticArray<usize>(MAX_DEPTH);
const jsonKeyLen = new StaticArray<i32>(MAX_DEPTH);
const unescaped = new Scratch(1024);

/** Walks a JSON document and inspects every string value and key. */
export function scanJson(p: usize, len: i32, mask: u32): i32 {
  const end = p + <usize>len;
  const table = changetype<usize>(CLASS);
  let depth = 0;
  let q = p;
  let expectKey = false;
  while (q < end) {
    const c = <u32>load<u8>(q);
    if (isSpaceByte(c)) {
      q++;
      continue;
    }
    if (c == 0x7b || c == 0x5b) {
      if (depth < MAX_DEPTH) {
        unchecked((jsonIsArray[depth] = c == 0x5b));
        unchecked((jsonIndex[depth] = 0));
        unchecked((jsonKeyLen[depth] = -1));
      }
      depth++;
      expectKey = c == 0x7b;
      q++;
      continue;
    }
    if (c == 0x7d || c == 0x5d) {
      if (depth == 0) return DOC_INVALID;
      depth--;
      expectKey = false;
      q++;
      continue;
    }
    if (c == 0x2c) {
      if (depth > 0 && depth <= MAX_DEPTH) {
        if (unchecked(jsonIsArray[depth - 1])) unchecked(jsonIndex[depth - 1]++);
        else expectKey = true;
      }
      q++;
      continue;
    }
    if (c == 0x3a) {
      q++;
      expectKey = false;
      continue;
    }
    if (c == 0x22) {
      const s = q + 1;
      let r = s;
      let escapes = false;
      // One pass finds the string's end and the union of its byte classes (what scanValue gates on).
      let raw: u32 = 0;
      while (r < end) {
        const d = load<u8>(r);
        const k = load<u32>(table + ((<usize>d) << 2));
        if ((k & (C_QUOTE | C_BSLASH)) != 0) {
          if (d == 0x5c) {
            escapes = true;
            r += 2;
            continue;
          }
          if (d == 0x22) break;
        }
        raw |= k;
        r++;
      }
      if (r >= end) return DOC_INVALID;
      const isKey = expectKey && depth > 0 && depth <= MAX_DEPTH && !unchecked(jsonIsArray[depth - 1]);
      if (isKey) {
        unchecked((jsonKeyPtr[depth - 1] = s));
        unchecked((jsonKeyLen[depth - 1] = <i32>(r - s)));
      }
      let vp = s;
      let vl = <i32>(r - s);
      if (escapes) {
        vl = unescapeJson(s, vl);
        vp = unescaped.ptr;
        raw = classesOf(vp, vl);
      }
      if (scanClassified(vp, vl, 0, mask, raw)) {
        setLocation("body.json:" + jsonPath(depth));
        return DOC_HIT;
      }
      q = r + 1;
      continue;
    }
    // Numbers, true, false, null.
    if (c == 0x2d || (c >= 0x30 && c <= 0x39) || c == 0x74 || c == 0x66 || c == 0x6e) {
      while (q < end) {
        const d = load<u8>(q);
        if (d == 0x2c || d == 0x7d || d == 0x5d || isSpaceByte(d)) break;
        q++;
      }
      continue;
    }
    return DOC_INVALID;
  }
  return depth == 0 ? DOC_CLEAN : DOC_INVALID;
}

/** "$.a.b[2]" for the current position. */
function jsonPath(depth: i32): string {
  let out = "$";
  const d = depth < MAX_DEPTH ? depth : MAX_DEPTH;
  for (let i = 0; i < d; i++) {
    if (jsonIsArray[i]) {
      out += "[" + jsonIndex[i].toString() + "]";
    } else if (jsonKeyLen[i] >= 0) {
      out += "." + String.UTF8.decodeUnsafe(jsonKeyPtr[i], jsonKeyLen[i]);
    }
  }
  return out;
}

/** Resolves JSON escapes (\" \\ \/ \b \f \n \r \t \uXXXX) into `unescaped`; returns the length. */
function unescapeJson(p: usize, len: i32): i32 {
  unescaped.ensure(len);
  const out = unescaped.ptr;
  let o = out;
  const end = p + <usize>len;
  let q = p;
  while (q < end) {
    const c = load<u8>(q);
    if (c != 0x5c || q + 1 >= end) {
      store<u8>(o++, c);
      q++;
      continue;
    }
    const e = load<u8>(q + 1);
    let r: u32 = 0xffffffff;
    switch (e) {
      case 0x22:
        r = 0x22;
        break;
      case 0x5c:
        r = 0x5c;
        break;
      case 0x2f:
        r = 0x2f;
        break;
      case 0x62:
        r = 0x08;
        break;
      case 0x66:
        r = 0x0c;
        break;
      case 0x6e:
        r = 0x0a;
        break;
      case 0x72:
        r = 0x0d;
        break;
      case 0x74:
        r = 0x09;
        break;
    }
    if (r != 0xffffffff) {
      store<u8>(o++, <u8>r);
      q += 2;
      continue;
    }
    // \uXXXX (and anything else) stays as written: the normaliser decodes \u escapes.
    store<u8>(o++, c);
    q++;
  }
  return <i32>(o - out);
}
