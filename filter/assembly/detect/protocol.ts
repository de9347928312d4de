// HTTP protocol attacks the filter can see. In the head: request smuggling through framing headers
// (more than one Content-Length or one that is not a number, Transfer-Encoding with Content-Length or
// with a coding other than "chunked"), header names outside RFC 9110's token characters, control
// bytes (CR, LF, NUL...) in header values, and headers beyond sane bounds (a value over 8 KiB, a name
// repeated more than 16 times, more than 128 headers). In a value: a request line followed by a header line after a line
// break — a second request smuggled inside a body or a header.

import { HeaderList } from "../http/headers";
import { Hit, B_PROTOCOL } from "./types";
import { isAlpha, isDigit, isSpaceByte, startsWith } from "./bytes";

const MAX_VALUE = 8192;
const MAX_REPEAT = 16;
/** More headers than this is itself an anomaly (Envoy's default limit is 100); it also bounds `repeats`. */
const MAX_HEADERS = 128;

/** Index of the header that broke a rule in the last protocolHead call. */
export let protocolHeader = -1;

/** Judges the request head's framing and header syntax; fills `hit` (offset 0) on a hit. */
export function protocolHead(headers: HeaderList, hit: Hit): bool {
  let contentLength = -1;
  let transferEncoding = -1;
  const n = headers.count;
  if (n > MAX_HEADERS) {
    protocolHeader = MAX_HEADERS;
    return hit.set(B_PROTOCOL, "protocol.header-count", 0);
  }
  for (let i = 0; i < n; i++) {
    const np = headers.namePtr(i);
    const nl = headers.nameLength(i);
    const vp = headers.valuePtr(i);
    const vl = headers.valueLength(i);
    protocolHeader = i;
    if (nl == 0) return hit.set(B_PROTOCOL, "protocol.header-name", 0);
    if (load<u8>(np) == 0x3a) continue; // pseudo-headers (:path, :method...) are Envoy's
    for (let k = 0; k < nl; k++) if (!unchecked(TOKEN_BYTES[load<u8>(np + k)])) return hit.set(B_PROTOCOL, "protocol.header-name", 0);
    for (let k = 0; k < vl; k++) {
      const c = load<u8>(vp + k);
      if ((c < 0x20 && c != 0x09) || c == 0x7f) return hit.set(B_PROTOCOL, "protocol.header-value", k);
    }
    if (vl > MAX_VALUE) return hit.set(B_PROTOCOL, "protocol.header-length", 0);
    if (nameIs(np, nl, "content-length")) {
      if (contentLength >= 0 || !allDigits(vp, vl)) return hit.set(B_PROTOCOL, "protocol.content-length", 0);
      contentLength = i;
    } else if (nameIs(np, nl, "transfer-encoding")) {
      if (transferEncoding >= 0 || !isChunked(vp, vl)) return hit.set(B_PROTOCOL, "protocol.transfer-encoding", 0);
      transferEncoding = i;
    }
    if (repeats(headers, i, np, nl) > MAX_REPEAT) return hit.set(B_PROTOCOL, "protocol.header-repeated", 0);
  }
  if (contentLength >= 0 && transferEncoding >= 0) {
    protocolHeader = transferEncoding;
    return hit.set(B_PROTOCOL, "protocol.transfer-encoding", 0);
  }
  protocolHeader = -1;
  return false;
}

/** How many headers from `i` on share this name; counted only at a name's first occurrence. */
function repeats(headers: HeaderList, i: i32, np: usize, nl: i32): i32 {
  if (nl == 6 && nameIs(np, nl, "cookie")) return 0; // HTTP/2 sends each cookie as its own header
  for (let j = 0; j < i; j++) if (headers.nameLength(j) == nl && memory.compare(headers.namePtr(j), np, nl) == 0) return 0;
  let count = 1;
  const n = headers.count;
  for (let j = i + 1; j < n && count <= MAX_REPEAT; j++)
    if (headers.nameLength(j) == nl && memory.compare(headers.namePtr(j), np, nl) == 0) count++;
  return count;
}

/** A request line ("get /x http/1.1", "post http://h/ http/1.0") followed by a line break and a header line, in normalised bytes. */
export function detectSmuggledRequest(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  for (let q = p; q + 8 < end; q++) {
    if (load<u8>(q) != 0x68 || !startsWith(q, end, "http/1.") || q - p < 4 || load<u8>(q - 1) != 0x20) continue;
    // Back to the start of the line: method SP target SP.
    let ls = q - 1;
    while (ls > p && load<u8>(ls - 1) != 0x0a && load<u8>(ls - 1) != 0x0d && q - ls < 2048) ls--;
    if (!requestLine(ls, q - 1)) continue;
    let r = q + 8;
    if (r < end && load<u8>(r) == 0x0d) r++;
    if (r >= end || load<u8>(r) != 0x0a) continue;
    r++;
    // A header line: token ":".
    const h = r;
    while (r < end && r - h < 64 && isTokenByte(load<u8>(r))) r++;
    if (r > h && r < end && load<u8>(r) == 0x3a) return hit.set(B_PROTOCOL, "protocol.smuggled-request", <i32>(ls - p));
  }
  return false;
}

/** "method target" between `s` and the space at `e`. */
function requestLine(s: usize, e: usize): bool {
  let q = s;
  while (q < e && isAlpha(load<u8>(q))) q++;
  if (q - s < 3 || q - s > 8 || q >= e || load<u8>(q) != 0x20) return false;
  q++;
  const c = load<u8>(q);
  if (c != 0x2f && c != 0x2a && !isAlpha(c)) return false;
  for (; q < e; q++) if (isSpaceByte(load<u8>(q))) return false;
  return true;
}

/** isTokenByte of every byte value, looked up once per header-name byte. */
const TOKEN_BYTES = tokenBytes();

function tokenBytes(): StaticArray<bool> {
  const t = new StaticArray<bool>(256);
  for (let c: u32 = 0; c < 256; c++) t[c] = isTokenByte(c);
  return t;
}

/** RFC 9110 tchar. */
function isTokenByte(c: u32): bool {
  if (isAlpha(c) || isDigit(c)) return true;
  return (
    c == 0x21 ||
    c == 0x23 ||
    c == 0x24 ||
    c == 0x25 ||
    c == 0x26 ||
    c == 0x27 ||
    c == 0x2a ||
    c == 0x2b ||
    c == 0x2d ||
    c == 0x2e ||
    c == 0x5e ||
    c == 0x5f ||
    c == 0x60 ||
    c == 0x7c ||
    c == 0x7e
  );
}

function nameIs(p: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c - 0x41 < 26) c |= 0x20;
    if (c != <u32>s.charCodeAt(i)) return false;
  }
  return true;
}

function allDigits(p: usize, n: i32): bool {
  let s = 0;
  let e = n;
  while (s < e && isSpaceByte(load<u8>(p + s))) s++;
  while (e > s && isSpaceByte(load<u8>(p + e - 1))) e--;
  if (s == e) return false;
  for (let i = s; i < e; i++) if (!isDigit(load<u8>(p + i))) return false;
  return true;
}

function isChunked(p: usize, n: i32): bool {
  let s = 0;
  let e = n;
  while (s < e && isSpaceByte(load<u8>(p + s))) s++;
  while (e > s && isSpaceByte(load<u8>(p + e - 1))) e--;
  return e - s == 7 && nameIs(p + s, 7, "chunked");
}
