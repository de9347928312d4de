// What a body is, from its bytes and from what the client declared. The declared type is a claim: the
// walker follows the bytes, and a claim the bytes contradict is reported (content-type-mismatch).

import { isSpaceByte } from "./bytes";

export const FMT_TEXT = 0;
export const FMT_JSON = 1;
export const FMT_FORM = 2;
export const FMT_XML = 3;
export const FMT_MULTIPART = 4;
/** Declared only: no Content-Type, or one that names no structured format (text/plain, octet-stream...). */
export const FMT_UNSTATED = 5;
/** Binary data (an image, an archive, compressed or encrypted bytes): not text, not inspected as text. */
export const FMT_BINARY = 6;

/** How much of a body the binary test reads, and the share of control bytes that makes it binary. */
const BINARY_PROBE = 512;
const BINARY_CONTROL_PERCENT = 5;

/** A form's first name is looked for this far into the body. */
const FORM_NAME_MAX = 256;
/** RFC 2046: a boundary is 1 to 70 characters. */
export const BOUNDARY_MAX = 70;

/** The format a (lower-cased) declared content type names; FMT_UNSTATED when it names none. */
export function declaredFormat(contentType: string): i32 {
  if (contentType.length == 0) return FMT_UNSTATED;
  if (contentType.includes("json")) return FMT_JSON;
  if (contentType.includes("x-www-form-urlencoded")) return FMT_FORM;
  if (contentType.startsWith("multipart/form-data")) return FMT_MULTIPART;
  if (isXmlType(contentType)) return FMT_XML;
  return FMT_UNSTATED;
}

/** application/xml, text/xml and the +xml types (soap+xml, atom+xml...), parameters aside. */
function isXmlType(contentType: string): bool {
  let e = contentType.indexOf(";");
  if (e < 0) e = contentType.length;
  while (e > 0 && contentType.charCodeAt(e - 1) == 0x20) e--;
  if (e == 15 && contentType.startsWith("application/xml")) return true;
  if (e == 8 && contentType.startsWith("text/xml")) return true;
  return e > 4 && contentType.indexOf("+xml", e - 4) == e - 4;
}

/**
 * The format the bytes look like, from their start: a `--boundary` line multipart, binary (a known
 * magic number, or control bytes beyond BINARY_CONTROL_PERCENT of the first BINARY_PROBE bytes), `{`/`[`
 * JSON, `<` XML, `name=` form, else text. A guess the walker then confirms: a document that does not
 * parse as its format is inspected as text.
 */
export function sniffFormat(p: usize, len: i32): i32 {
  if (sniffBoundary(p, len) > 0) return FMT_MULTIPART;
  if (looksBinary(p, len)) return FMT_BINARY;
  const end = p + <usize>len;
  let q = p;
  if (len >= 3 && load<u16>(p) == 0xbbef && load<u8>(p + 2) == 0xbf) q += 3; // UTF-8 byte order mark
  while (q < end && isSpaceByte(load<u8>(q))) q++;
  if (q >= end) return FMT_TEXT;
  const c = load<u8>(q);
  if (c == 0x7b || c == 0x5b) return FMT_JSON;
  if (c == 0x3c) return FMT_XML;
  return looksLikeForm(p, end) ? FMT_FORM : FMT_TEXT;
}

/**
 * Compressed and encoded formats whose first bytes are text-like (PDF) or that may open with few control
 * bytes, by magic number; anything else by its share of control bytes (text has tabs and line ends only).
 */
function looksBinary(p: usize, len: i32): bool {
  if (len >= 4) {
    const m = load<u32>(p);
    if (
      m == 0x474e5089 ||
      (m & 0xffffff) == 0xffd8ff ||
      m == 0x38464947 ||
      m == 0x46445025 ||
      m == 0x04034b50 ||
      (m & 0xffff) == 0x8b1f ||
      m == 0x6d736100 ||
      m == 0x46464952 ||
      m == 0x32464f77 ||
      m == 0x46464f77
    )
      return true;
  }
  const n = len < BINARY_PROBE ? len : BINARY_PROBE;
  let control = 0;
  let i = 0;
  // Eight bytes at a time: only a word holding a byte below 0x20 or a DEL is counted byte by byte.
  for (; i + 8 <= n; i += 8) {
    const x = load<u64>(p + i);
    const d = x ^ 0x7f7f7f7f7f7f7f7f;
    if ((((x - 0x2020202020202020) & ~x) | ((d - 0x0101010101010101) & ~d)) & 0x8080808080808080) control += controlBytes(p + i, 8);
  }
  control += controlBytes(p + i, n - i);
  return control * 100 > n * BINARY_CONTROL_PERCENT;
}

/** Control bytes other than tab and line ends, and DELs, among `n` bytes at `p`. */
function controlBytes(p: usize, n: i32): i32 {
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if ((c < 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) || c == 0x7f) control++;
  }
  return control;
}

/** A first name of form-name bytes followed by `=`, within FORM_NAME_MAX bytes. */
function looksLikeForm(p: usize, end: usize): bool {
  let limit = p + <usize>FORM_NAME_MAX;
  if (limit > end) limit = end;
  for (let q = p; q < limit; q++) {
    const c = load<u8>(q);
    if (c == 0x3d) return q > p;
    if (!isFormNameByte(c)) return false;
  }
  return false;
}

/** Printable ASCII or UTF-8 that could be an (encoded) field name: no space, separator or markup. */
function isFormNameByte(c: u32): bool {
  if (c >= 0x80) return true;
  if (c <= 0x20 || c == 0x7f) return false;
  return c != 0x26 && c != 0x3c && c != 0x3e && c != 0x7b && c != 0x7d && c != 0x22 && c != 0x3b;
}

/**
 * The length of the boundary a multipart body opens with ("--" boundary CRLF on its first line), or 0.
 * The boundary then starts at p + 2.
 */
export function sniffBoundary(p: usize, len: i32): i32 {
  if (len < 4 || load<u16>(p) != 0x2d2d) return 0;
  const end = p + <usize>len;
  let q = p + 2;
  let limit = q + <usize>BOUNDARY_MAX;
  if (limit > end) limit = end;
  while (q < limit && isBoundaryByte(load<u8>(q))) q++;
  // Boundaries may contain spaces, but not end with one.
  while (q > p + 2 && load<u8>(q - 1) == 0x20) q--;
  const n = <i32>(q - p - 2);
  if (n == 0) return 0;
  let r = q;
  while (r < end && load<u8>(r) == 0x20) r++; // transport padding
  if (r < end && load<u8>(r) == 0x0d) r++;
  return r < end && load<u8>(r) == 0x0a ? n : 0;
}

/** RFC 2046 bchars: digits, letters, '()+_,-./:=? and space. */
export function isBoundaryByte(c: u32): bool {
  if ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a)) return true;
  return (
    c == 0x27 ||
    c == 0x28 ||
    c == 0x29 ||
    c == 0x2b ||
    c == 0x5f ||
    c == 0x2c ||
    c == 0x2d ||
    c == 0x2e ||
    c == 0x2f ||
    c == 0x3a ||
    c == 0x3d ||
    c == 0x3f ||
    c == 0x20
  );
}
