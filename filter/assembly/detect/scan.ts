// One value through the engine: skip it when it is plain word material, otherwise normalise it and
// run the enabled detectors whose trigger characters it contains. The detectors read the shared
// normalised bytes and report in the shared Hit; nothing is allocated unless something fires.

import {
  Hit,
  B_SQLI,
  B_XSS,
  B_TRAVERSAL,
  B_CMDI,
  B_JNDI,
  B_SSTI,
  B_NOSQLI,
  B_XXE,
  B_LDAPI,
  B_CRLF,
  B_PHP,
  B_JAVA,
  B_RFI,
  B_SSRF,
  B_PROTO,
  B_PROTOCOL,
  B_SESSION,
} from "./types";
import {
  classesOf,
  PLAIN,
  C_QUOTE,
  C_LT,
  C_COLON,
  C_PAREN,
  C_EQ,
  C_DOT,
  C_OTHER,
  C_SLASH,
  C_DOLLAR,
  C_BRACE,
  C_HASH,
  C_PCT,
  C_PLUS,
  C_SEMI,
  C_PIPE,
  C_AMP,
  C_NL,
  C_SPACE,
  C_BSLASH,
  C_AT,
  C_DASH,
  C_CTRL,
  C_DIGIT,
  C_HIGH,
  C_USCORE,
  isAlpha,
} from "./bytes";
import { normalize, overlongAsPath, Normalized, NORM_URL_PATH, NORM_INCLUDE_NAME } from "./normalize";
import { detectSqli, sqliWordsPossible } from "./sqli";
import { detectXss, encodedLtProbe } from "./xss";
import { detectTraversal } from "./traversal";
import { detectCmdi, detectLeadingCommand, isReconWord } from "./cmdi";
import { detectJndi } from "./jndi";
import { detectSsti } from "./ssti";
import { detectNosqli } from "./nosqli";
import { detectXxe } from "./xxe";
import { detectLdapi } from "./ldapi";
import { detectCrlf } from "./crlf";
import { detectScanner } from "./scanner";
import { detectPhp } from "./php";
import { detectJava, maybeGadgetName, isGadgetName } from "./java";
import { detectRfi } from "./rfi";
import { detectSsrf } from "./ssrf";
import { detectProto } from "./proto";
import { detectSession, isSessionName, maybeSessionName } from "./session";
import { detectSmuggledRequest } from "./protocol";

export const hit = new Hit();
export const norm = new Normalized();

const G_XSS: u32 = C_LT | C_COLON | C_PAREN | C_EQ | C_QUOTE | C_DOT | C_OTHER;
export const G_TRAVERSAL: u32 = C_SLASH | C_COLON | C_DOT;
/** The bytes detectCmdi's scan acts on (separators, substitutions, `(` `{` `<` `\`). */
const G_CMDI_SYNTAX: u32 = C_SEMI | C_PIPE | C_AMP | C_QUOTE | C_DOLLAR | C_NL | C_PAREN | C_LT | C_BRACE | C_BSLASH;
// Without them, a command word and its argument ("sleep 10"); '+': a space encoded once more than the
// transport decodes ("+dir+c:/").
export const G_CMDI: u32 = G_CMDI_SYNTAX | C_SPACE | C_PLUS;
const G_SSTI: u32 = C_BRACE | C_PCT | C_HASH;
const G_SQLI: u32 = ~PLAIN & ~C_CTRL;
/** "://" of a URL, or the "\\" of a UNC path. */
const G_URL: u32 = C_COLON | C_SLASH;
/** Categories a value of plain word material can still hold (as a whole word: __proto__, PHPSESSID, rO0AB...). */
const PLAIN_FAMILIES: u32 = B_PROTO | B_SESSION | B_JAVA;
/** Word material with spaces and dots: SQL only through its keywords (sqliWordsPossible). */
const WORDISH: u32 = PLAIN | C_SPACE | C_DOT;

/**
 * Inspects `len` bytes at `ptr` for the categories in `mask`. On a hit, `hit` says what fired and
 * `norm` holds the normalised bytes it fired on.
 */
export function scanValue(ptr: usize, len: i32, flags: i32, mask: u32): bool {
  return len > 0 && scanClassified(ptr, len, flags, mask, classesOf(ptr, len));
}

/** scanValue for a value whose classes (`raw`: classesOf) its walker worked out in its own pass over it. */
export function scanClassified(ptr: usize, len: i32, flags: i32, mask: u32, raw: u32): bool {
  if (len <= 0) return false;
  let hexSeparators = false;
  if ((raw & ~PLAIN) == 0) {
    // Plain word material: only a bare reconnaissance command (whoami, ifconfig...) is worth a look,
    // or a path whose separators are spelled as hex (etc0x2fpasswd).
    // Or a SQL comment ("1--", "@@version--"): "--" ends a value only in an injection; or a value that
    // opens with a SQL server variable ("@@version").
    hexSeparators = (mask & B_TRAVERSAL) != 0 && len >= 8 && (raw & C_DIGIT) != 0 && hasHexSeparator(ptr, len);
    const sqlMark =
      (mask & B_SQLI) != 0 && (((raw & C_DASH) != 0 && hasDoubleDash(ptr, len)) || ((raw & C_AT) != 0 && isServerVariable(ptr, len)));
    if (!hexSeparators && !sqlMark) {
      if ((mask & PLAIN_FAMILIES) != 0 && len >= 5 && plainWord(ptr, len, raw, mask)) {
        norm.ptr = ptr;
        norm.len = len;
        return true;
      }
      if ((mask & B_CMDI) == 0 || len > 12 || !isReconWord(ptr, len, hit)) return false;
      norm.ptr = ptr;
      norm.len = len;
      return true;
    }
  }
  normalize(ptr, len, flags, norm, raw);
  const p = norm.ptr;
  const n = norm.len;
  const k = norm.classes;
  if (
    (k & ~PLAIN) == 0 &&
    !hexSeparators &&
    !norm.overlong &&
    ((k & C_DASH) == 0 || !hasDoubleDash(p, n)) &&
    ((k & C_AT) == 0 || !isServerVariable(p, n))
  )
    return (mask & PLAIN_FAMILIES) != 0 && n >= 5 && plainWord(p, n, k, mask);
  if ((mask & B_JNDI) != 0 && (k & (C_DOLLAR | C_BRACE)) == (C_DOLLAR | C_BRACE) && detectJndi(p, n, hit)) return true;
  if ((mask & B_XXE) != 0 && (k & C_LT) != 0 && detectXxe(p, n, hit)) return true;
  if (
    (mask & B_PHP) != 0 &&
    ((k & (C_LT | C_PAREN)) != 0 ||
      ((k & C_COLON) != 0 && (k & (C_SLASH | C_QUOTE)) != 0) ||
      (k & (C_DOLLAR | C_USCORE | C_OTHER)) == (C_DOLLAR | C_USCORE | C_OTHER)) &&
    detectPhp(p, n, hit)
  )
    return true;
  if (
    (mask & B_JAVA) != 0 &&
    ((k & (C_BRACE | C_HASH)) != 0 ||
      (n >= 12 && (k & (C_SPACE | C_AT)) == 0 && (k & (C_DOT | C_OTHER)) != 0) ||
      (n >= 8 && javaMagic(p))) &&
    detectJava(p, n, hit)
  )
    return true;
  if (
    (mask & B_PROTO) != 0 &&
    n >= 9 &&
    (((k & C_USCORE) != 0 && hasDunder(p, n)) || (n >= 21 && (k & (C_DOT | C_OTHER | C_SLASH)) != 0 && (k & C_SPACE) == 0)) &&
    detectProto(p, n, hit)
  )
    return true;
  if ((mask & B_PROTOCOL) != 0 && (k & C_NL) != 0 && n >= 16 && detectSmuggledRequest(p, n, hit)) return true;
  if (
    (mask & B_SQLI) != 0 &&
    ((k & G_SQLI) != 0 || (k & (C_DASH | C_AT)) != 0) &&
    ((k & ~WORDISH) != 0 || ((k & C_DASH) != 0 && hasDoubleDash(p, n)) || isServerVariable(p, n) || sqliWordsPossible(p, n)) &&
    detectSqli(p, n, (k & C_QUOTE) != 0, hit)
  )
    return true;
  if ((mask & B_XSS) != 0 && (k & G_XSS) != 0 && detectXss(p, n, hit)) return true;
  if ((mask & B_XSS) != 0 && (k & C_LT) != 0 && n <= 8 && encodedLtProbe(ptr, len, p, n)) return hit.set(B_XSS, "xss.encoded-probe", 0);
  if ((mask & B_CMDI) != 0 && (k & G_CMDI) != 0 && ((k & G_CMDI_SYNTAX) != 0 ? detectCmdi(p, n, hit) : detectLeadingCommand(p, n, hit)))
    return true;
  if ((mask & B_TRAVERSAL) != 0) {
    const urlPath = (flags & NORM_URL_PATH) != 0;
    if (((k & G_TRAVERSAL) != 0 || hexSeparators || ((k & C_DIGIT) != 0 && hasHexSeparator(p, n))) && detectTraversal(p, n, urlPath, hit))
      return true;
    // Over-long UTF-8 pairs read as the dots and separators old decoders made of them.
    if (norm.overlong) {
      overlongAsPath(norm);
      if (detectTraversal(norm.ptr, norm.len, urlPath, hit)) return true;
      norm.ptr = p; // back to the ordinary rendering for the detectors below
      norm.len = n;
    }
  }
  if ((mask & B_SSRF) != 0 && ((k & G_URL) == G_URL || ((k & (C_DIGIT | C_DOT)) == (C_DIGIT | C_DOT) && n >= 15)) && detectSsrf(p, n, hit))
    return true;
  if (
    (mask & B_RFI) != 0 &&
    ((k & G_URL) == G_URL || (k & C_BSLASH) != 0) &&
    detectRfi(p, n, (raw & C_CTRL) != 0 || ((raw & C_PCT) != 0 && hasEscapedNul(ptr, len)), (flags & NORM_INCLUDE_NAME) != 0, hit)
  )
    return true;
  if ((mask & B_SSTI) != 0 && (k & G_SSTI) != 0 && detectSsti(p, n, hit)) return true;
  if ((mask & B_NOSQLI) != 0 && (k & (C_DOLLAR | C_DOT)) != 0 && detectNosqli(p, n, hit)) return true;
  if ((mask & B_LDAPI) != 0 && (k & (C_PAREN | C_COLON)) != 0 && detectLdapi(p, n, hit)) return true;
  if ((mask & B_CRLF) != 0 && (k & (C_NL | C_HIGH)) != 0 && detectCrlf(p, n, hit)) return true;
  // "set-cookie:" / set-cookie" content=, "document.cookie=", or a dotted session name (connect.sid).
  if (
    (mask & B_SESSION) != 0 &&
    ((k & (C_DASH | C_COLON | C_DIGIT)) == (C_DASH | C_COLON) ||
      (k & (C_DASH | C_EQ)) == (C_DASH | C_EQ) ||
      (k & (C_DOT | C_EQ)) == (C_DOT | C_EQ) ||
      (n <= 20 && (k & ~(PLAIN | C_DOT)) == 0)) &&
    detectSession(p, n, hit)
  )
    return true;
  return false;
}

const lowered = memory.data(32);

/**
 * A value of word material that is itself an attack: "__proto__" (a JSON key or a path segment), a
 * framework's session cookie name as a parameter name, or a serialized Java object in base64 or hex.
 */
function plainWord(p: usize, len: i32, raw: u32, mask: u32): bool {
  if ((mask & B_PROTO) != 0 && (raw & C_USCORE) != 0 && len >= 9 && hasDunder(p, len) && detectProto(p, len, hit)) return true;
  if ((mask & B_JAVA) != 0 && len >= 8 && javaMagic(p)) return hit.set(B_JAVA, "java.serialized-object", 0);
  // Short words: as a whole, a session cookie name or a gadget class name ("InvokerTransformer").
  // Both lists are small: their first letters and lengths rule out nearly every word before any work.
  const session = (mask & B_SESSION) != 0 && maybeSessionName(p, len);
  const gadget = (mask & B_JAVA) != 0 && maybeGadgetName(p, len);
  if (!session && !gadget) return false;
  for (let i = 0; i < len; i++) {
    let c = <u32>load<u8>(p + i);
    if (c - 0x41 < 26) c |= 0x20;
    store<u8>(lowered + i, <u8>c);
  }
  if (session && isSessionName(lowered, len)) return hit.set(B_SESSION, "sessionfixation.session-parameter", 0);
  return gadget && isGadgetName(lowered, len) && hit.set(B_JAVA, "java.gadget-class", 0);
}

/** A serialized Java stream's magic at `p` (8 bytes readable): "rO0AB" (base64) or "aced0005" (hex). */
function javaMagic(p: usize): bool {
  return (
    ((load<u32>(p) | 0x20202020) == 0x61306f72 && (load<u8>(p + 4) | 0x20) == 0x62) ||
    (load<u64>(p) | 0x2020202020202020) == 0x3530303064656361
  );
}

/** "__" somewhere (a dunder name such as __proto__), read two bytes at a time. */
function hasDunder(p: usize, len: i32): bool {
  for (let i = 1; i < len; i += 2) {
    if (load<u8>(p + i) == 0x5f && (load<u8>(p + i - 1) == 0x5f || (i + 1 < len && load<u8>(p + i + 1) == 0x5f))) return true;
  }
  return false;
}

/** "%00" or "%2500" in the raw value: a NUL, escaped once or twice, that normalisation drops. */
export function hasEscapedNul(p: usize, len: i32): bool {
  for (let i = 0; i + 2 < len; i++) {
    if (load<u8>(p + i) != 0x25) continue;
    let j = i + 1;
    if (j + 3 < len && load<u8>(p + j) == 0x32 && load<u8>(p + j + 1) == 0x35) j += 2;
    if (j + 1 < len && load<u8>(p + j) == 0x30 && load<u8>(p + j + 1) == 0x30) return true;
  }
  return false;
}

/**
 * Inspects a header value in which clients name themselves (User-Agent) for an attack tool's name: a
 * category of its own, never looked for in other values.
 */
export function scanAgent(ptr: usize, len: i32): bool {
  if (len <= 0) return false;
  normalize(ptr, len, 0, norm, classesOf(ptr, len));
  return detectScanner(norm.ptr, norm.len, hit);
}

/** "--" somewhere: a SQL comment in otherwise plain material. */
function hasDoubleDash(p: usize, len: i32): bool {
  for (let i = 0; i + 1 < len; i++) {
    if (load<u8>(p + i) == 0x2d && load<u8>(p + i + 1) == 0x2d) return true;
  }
  return false;
}

/** "@@" and a letter at the start: a SQL server variable (@@version, @@datadir). */
function isServerVariable(p: usize, len: i32): bool {
  return len > 2 && load<u16>(p) == 0x4040 && isAlpha(load<u8>(p + 2));
}

/** "0x2f", "0x5c" or "0x2e0x2e": separators and dots spelled as hex, as traversal fuzzers write them. */
function hasHexSeparator(p: usize, len: i32): bool {
  for (let i = 0; i + 3 < len; i++) {
    if (load<u8>(p + i) != 0x30 || (load<u8>(p + i + 1) | 0x20) != 0x78) continue;
    const a = load<u8>(p + i + 2);
    const b = load<u8>(p + i + 3) | 0x20;
    if ((a == 0x32 && (b == 0x66 || b == 0x65)) || (a == 0x35 && b == 0x63)) return true;
  }
  return false;
}

/** Up to 64 characters of the normalised input around the last hit. */
export function snippet(): string {
  const n = norm.len;
  let s = hit.offset - 16;
  if (s < 0) s = 0;
  if (s > n) s = n;
  let e = s + 64;
  if (e > n) e = n;
  const p = norm.ptr;
  // Keep to whole UTF-8 characters.
  while (s < e && (load<u8>(p + s) & 0xc0) == 0x80) s++;
  while (e > s && e < n && (load<u8>(p + e) & 0xc0) == 0x80) e--;
  // Show control characters as spaces so the snippet prints on one line.
  const tmp = new ArrayBuffer(e - s);
  const t = changetype<usize>(tmp);
  for (let i = 0; i < e - s; i++) {
    const c = load<u8>(p + s + i);
    store<u8>(t + i, c < 0x20 ? 0x20 : c);
  }
  const out = String.UTF8.decode(tmp);
  // 64 bytes may be more than 64 characters never; fewer when multi-byte: fine.
  return out;
}
