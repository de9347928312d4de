// URLs inside values, for the detectors that judge where a URL points (ssrf, rfi): finds each
// "scheme://" in one pass and splits its authority into user info, host and port. Hosts are then
// classified by shape: a name, a canonical dotted IPv4 address, an IPv4 address written another way
// (one integer, hex, octal, fewer than four parts), or a bracketed IPv6 address.

import { isAlpha, isDigit, hexValue } from "./bytes";

export const HOST_NAME = 0;
export const HOST_IPV4 = 1;
/** An IPv4 address spelled in a form only parsers accept (2130706433, 0x7f000001, 0177.0.0.1, 127.1). */
export const HOST_IPV4_ENCODED = 2;
export const HOST_IPV6 = 3;

/** The URL found by nextUrl: byte offsets into the scanned value. */
export class UrlParts {
  schemeStart: usize = 0;
  schemeEnd: usize = 0;
  hostStart: usize = 0;
  hostEnd: usize = 0;
  /** End of the authority (start of the path, query or fragment, or the value's end). */
  authorityEnd: usize = 0;
  hostKind: i32 = HOST_NAME;
  /** The IPv4 address as a number when hostKind is HOST_IPV4 or HOST_IPV4_ENCODED. */
  ipv4: u32 = 0;
}

export const url = new UrlParts();

/** Finds the next "scheme://" at or after `from`; fills `url` and returns true when there is one. */
export function nextUrl(from: usize, end: usize): bool {
  for (let q = from; q + 2 < end; q++) {
    if (load<u8>(q) != 0x3a || load<u8>(q + 1) != 0x2f || load<u8>(q + 2) != 0x2f) continue;
    let s = q;
    while (s > from && q - s < 16 && isSchemeByte(load<u8>(s - 1))) s--;
    if (s == q || !isAlpha(load<u8>(s))) continue;
    url.schemeStart = s;
    url.schemeEnd = q;
    authority(q + 3, end);
    return true;
  }
  return false;
}

/** Splits the authority starting at `a` (after "//"); also used for "\\host\share" and bare hosts. */
export function authority(a: usize, end: usize): void {
  let e = a;
  while (e < end && !isAuthorityEnd(load<u8>(e))) e++;
  url.authorityEnd = e;
  // User info ends at the last '@' ("http://trusted.example@127.0.0.1/").
  let h = a;
  for (let i = a; i < e; i++) if (load<u8>(i) == 0x40) h = i + 1;
  let he = e;
  if (h < e && load<u8>(h) == 0x5b) {
    let c = h;
    while (c < e && load<u8>(c) != 0x5d) c++;
    url.hostStart = h + 1;
    url.hostEnd = c;
    url.hostKind = HOST_IPV6;
    return;
  }
  for (let i = h; i < e; i++)
    if (load<u8>(i) == 0x3a) {
      he = i;
      break;
    }
  // A trailing dot names the same host ("127.0.0.1.", "metadata.google.internal.").
  if (he > h && load<u8>(he - 1) == 0x2e) he--;
  url.hostStart = h;
  url.hostEnd = he;
  url.hostKind = classifyHost(h, he);
}

function isSchemeByte(c: u32): bool {
  return isAlpha(c) || isDigit(c) || c == 0x2b || c == 0x2d || c == 0x2e;
}

function isAuthorityEnd(c: u32): bool {
  return (
    c == 0x2f ||
    c == 0x5c ||
    c == 0x3f ||
    c == 0x23 ||
    c <= 0x20 ||
    c == 0x22 ||
    c == 0x27 ||
    c == 0x3c ||
    c == 0x3e ||
    c == 0x26 ||
    c == 0x3b
  );
}

/**
 * HOST_IPV4 for four decimal parts without leading zeros, HOST_IPV4_ENCODED for the other forms
 * inet_aton accepts (1 to 4 parts, each decimal, 0x-hex or 0-octal, the last filling the remaining
 * bytes), HOST_NAME otherwise. Sets url.ipv4.
 */
export function classifyHost(s: usize, e: usize): i32 {
  if (s >= e || e - s > 64) return HOST_NAME;
  let parts = 0;
  let acc: u64 = 0;
  let canonical = true;
  let value: u32 = 0;
  let q = s;
  while (q <= e) {
    // One part.
    let base: u64 = 10;
    let p = q;
    if (p < e && load<u8>(p) == 0x30 && p + 1 < e && (load<u8>(p + 1) | 0x20) == 0x78) {
      base = 16;
      p += 2;
      canonical = false;
    } else if (p < e && load<u8>(p) == 0x30 && p + 1 < e && isDigit(load<u8>(p + 1))) {
      base = 8;
      p++;
      canonical = false;
    }
    let n: u64 = 0;
    let digits = 0;
    while (p < e && load<u8>(p) != 0x2e) {
      const c = <u32>load<u8>(p);
      const d = base == 16 ? hexValue(c) : isDigit(c) ? <i32>(c - 0x30) : -1;
      if (d < 0 || <u64>d >= base) return HOST_NAME;
      n = n * base + <u64>d;
      if (n > 0xffffffff) return HOST_NAME;
      digits++;
      p++;
    }
    if (digits == 0 && base != 8) return HOST_NAME;
    parts++;
    if (parts > 4) return HOST_NAME;
    if (p >= e) {
      // The last part fills the remaining bytes.
      const room = 8 * (5 - parts);
      if (room < 32 && n >= (<u64>1) << (<u64>room)) return HOST_NAME;
      acc = (acc << (<u64>room)) | n;
      value = <u32>acc;
      break;
    }
    if (n > 255) return HOST_NAME;
    acc = (acc << 8) | n;
    q = p + 1;
  }
  url.ipv4 = value;
  return canonical && parts == 4 ? HOST_IPV4 : HOST_IPV4_ENCODED;
}

/** Loopback, private, link-local, carrier-grade NAT or "this network" IPv4 space. */
export function isInternalIpv4(a: u32): bool {
  const b0 = a >> 24;
  const b1 = (a >> 16) & 0xff;
  return (
    b0 == 127 ||
    b0 == 10 ||
    b0 == 0 ||
    (b0 == 172 && (b1 & 0xf0) == 16) ||
    (b0 == 192 && b1 == 168) ||
    (b0 == 169 && b1 == 254) ||
    (b0 == 100 && (b1 & 0xc0) == 64)
  );
}
