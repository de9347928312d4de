// `name=value&...` pairs of a query string or an application/x-www-form-urlencoded body: the value of
// every pair whose decoded name is a field name is hidden. Names are percent-decoded ('+' is a space)
// into a bounded buffer; PHP-style `user[password]` also matches by its last bracketed part.
import { hexValue } from "../encoding/hex";
import { MAX_NAME_BYTES, NameSet } from "./names";
import { MAX_SECRET_BYTES } from "./secrets";
import { Target } from "./target";

const NAME = memory.data(MAX_NAME_BYTES);

export function redactUrlEncoded(t: Target, base: usize, start: i32, end: i32): void {
  if (t.fields.size == 0) return;
  let i = start;
  while (i < end) {
    let eq = -1;
    let j = i;
    while (j < end) {
      const c = load<u8>(base + j);
      if (c == 0x26) break;
      if (c == 0x3d && eq < 0) eq = j;
      j++;
    }
    if (eq >= 0 && fieldNamed(t.fields, base, i, eq)) {
      t.hide(base, eq + 1, j);
      learnDecoded(t, base, eq + 1, j);
    }
    i = j + 1;
  }
}

const DECODED = memory.data(MAX_SECRET_BYTES);

/**
 * A percent-encoded value is also remembered decoded: an upstream may echo it decoded, and a verdict
 * snippet (taken from the decoded text) must not show it either.
 */
function learnDecoded(t: Target, base: usize, start: i32, end: i32): void {
  const n = decodeForm(base, start, end, DECODED, MAX_SECRET_BYTES);
  if (decodedAny) t.secrets.add(DECODED, n);
}

/** Set by decodeForm: whether an escape or a '+' was decoded, and whether the text was cut at `max`. */
let decodedAny = false;
let decodeCut = false;

/** Percent-decodes bytes [start, end) of `base` ('+' is a space) into `out`, at most `max` bytes: how many. */
function decodeForm(base: usize, start: i32, end: i32, out: usize, max: i32): i32 {
  decodedAny = false;
  decodeCut = false;
  let n = 0;
  let i = start;
  while (i < end) {
    let c = <u32>load<u8>(base + i);
    if (c == 0x2b) {
      c = 0x20;
      decodedAny = true;
    } else if (c == 0x25 && i + 2 < end) {
      const hi = hexValue(<u32>load<u8>(base + i + 1));
      const lo = hexValue(<u32>load<u8>(base + i + 2));
      if (hi >= 0 && lo >= 0) {
        c = <u32>((hi << 4) | lo);
        i += 2;
        decodedAny = true;
      }
    }
    if (n == max) {
      decodeCut = true;
      return n;
    }
    store<u8>(out + n, <u8>c);
    n++;
    i++;
  }
  return n;
}

function fieldNamed(fields: NameSet, base: usize, start: i32, end: i32): bool {
  // A name can shrink to a third by decoding; anything longer cannot match.
  if (end - start > 3 * fields.longest) return false;
  const n = decodeForm(base, start, end, NAME, MAX_NAME_BYTES);
  if (decodeCut) return false;
  if (fields.has(NAME, n)) return true;
  if (n < 2 || load<u8>(NAME + n - 1) != 0x5d) return false;
  // user[password] -> password
  let open = n - 2;
  while (open >= 0 && load<u8>(NAME + open) != 0x5b) open--;
  if (open < 0) return false;
  if (fields.has(NAME + open + 1, n - open - 2)) return true;
  // token[] or password[0] -> the name before the first bracket
  let first = 0;
  while (load<u8>(NAME + first) != 0x5b) first++;
  return first > 0 && fields.has(NAME, first);
}
