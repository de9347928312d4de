// From a request's head to the values the engine inspects, each with its location: the path, query
// parameter names and values, cookies one by one, and selected headers; and the name=value and raw-text
// forms a body may take (the JSON, XML and multipart walkers have their own modules). Values are handed
// to scanValue as byte ranges of the request. Location strings are built only for the value that fired.

import { HeaderList } from "../http/headers";
import { Scratch, isSpaceByte, hexValue } from "./bytes";
import { B_TRAVERSAL, B_SCANNER, B_PROTO, B_RFI } from "./types";
import { scanValue, scanAgent } from "./scan";
import { NORM_PLUS_SPACE, NORM_URL_PATH, NORM_INCLUDE_NAME } from "./normalize";
import { isIncludeName } from "./rfi";
import { setLocation } from "./walk";

/** Writes `s` as UTF-8 into `buf` (no allocation once the buffer is large enough); returns the length. */
export function utf8Into(s: string, buf: Scratch): i32 {
  const n = s.length;
  buf.ensure(n * 3);
  const src = changetype<usize>(s);
  let o = buf.ptr;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u16>(src + ((<usize>i) << 1));
    if (c < 0x80) {
      store<u8>(o++, <u8>c);
    } else if (c < 0x800) {
      store<u8>(o++, <u8>(0xc0 | (c >> 6)));
      store<u8>(o++, <u8>(0x80 | (c & 0x3f)));
    } else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
        const d = <u32>load<u16>(src + ((<usize>(i + 1)) << 1));
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          store<u8>(o++, <u8>(0xf0 | (c >> 18)));
          store<u8>(o++, <u8>(0x80 | ((c >> 12) & 0x3f)));
          store<u8>(o++, <u8>(0x80 | ((c >> 6) & 0x3f)));
          store<u8>(o++, <u8>(0x80 | (c & 0x3f)));
          continue;
        }
      }
      store<u8>(o++, <u8>(0xe0 | (c >> 12)));
      store<u8>(o++, <u8>(0x80 | ((c >> 6) & 0x3f)));
      store<u8>(o++, <u8>(0x80 | (c & 0x3f)));
    }
  }
  return <i32>(o - buf.ptr);
}

/** A display name: URL-decoded once (with `+` as space when asked), as a string. */
function displayName(p: usize, len: i32, plus: bool): string {
  const tmp = new ArrayBuffer(len);
  const t = changetype<usize>(tmp);
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = load<u8>(p + i);
    if (c == 0x25 && i + 2 < len) {
      const h1 = hexValue(load<u8>(p + i + 1));
      const h2 = hexValue(load<u8>(p + i + 2));
      if (h1 >= 0 && h2 >= 0) {
        store<u8>(t + o++, <u8>((h1 << 4) | h2));
        i += 2;
        continue;
      }
    }
    store<u8>(t + o++, c == 0x2b && plus ? 0x20 : c);
  }
  return String.UTF8.decodeUnsafe(t, o);
}

/**
 * Inspects a `name=value&...` list (query string or form body). `valuePrefix` prefixes the name in the
 * location of a value ("query:", "body.form:"); names report as `nameLocation`.
 */
export function scanPairs(p: usize, len: i32, mask: u32, valuePrefix: string, nameLocation: string): bool {
  const end = p + <usize>len;
  let s = p;
  while (s < end) {
    let e = s;
    while (e < end && load<u8>(e) != 0x26) e++;
    let eq = s;
    while (eq < e && load<u8>(eq) != 0x3d) eq++;
    const nameLen = <i32>(eq - s);
    if (nameLen > 0 && scanValue(s, nameLen, NORM_PLUS_SPACE, mask)) {
      setLocation(nameLocation.length > 0 ? nameLocation : valuePrefix + displayName(s, nameLen, true));
      return true;
    }
    const include = (mask & B_RFI) != 0 && isIncludeName(s, nameLen) ? NORM_INCLUDE_NAME : 0;
    if (eq < e && scanValue(eq + 1, <i32>(e - eq - 1), NORM_PLUS_SPACE | include, mask)) {
      setLocation(valuePrefix + displayName(s, nameLen, true));
      return true;
    }
    s = e + 1;
  }
  return false;
}

/** Inspects each cookie of a Cookie header value, its name ("cookie-name") as carefully as its value. */
export function scanCookies(p: usize, len: i32, mask: u32): bool {
  const end = p + <usize>len;
  let s = p;
  while (s < end) {
    while (s < end && isSpaceByte(load<u8>(s))) s++;
    let e = s;
    while (e < end && load<u8>(e) != 0x3b) e++;
    let eq = s;
    while (eq < e && load<u8>(eq) != 0x3d) eq++;
    let nameEnd = eq;
    while (nameEnd > s && isSpaceByte(load<u8>(nameEnd - 1))) nameEnd--;
    const valueStart = eq < e ? eq + 1 : e;
    if (nameEnd > s && scanValue(s, <i32>(nameEnd - s), 0, mask)) {
      setLocation("cookie-name");
      return true;
    }
    if (e > valueStart && scanValue(valueStart, <i32>(e - valueStart), 0, mask)) {
      setLocation("cookie:" + String.UTF8.decodeUnsafe(s, <i32>(nameEnd - s)));
      return true;
    }
    s = e + 1;
  }
  return false;
}

/**
 * Inspects every header name ("header-name"; pseudo-headers aside), the values of the headers named in
 * `names` (all occurrences) and every cookie; and, for the scanner category, the headers in which tools
 * name themselves, whether listed or not.
 */
export function scanHeaders(headers: HeaderList, names: Array<string>, mask: u32): bool {
  for (let i = 0; i < headers.count; i++) {
    const np = headers.namePtr(i);
    const nl = headers.nameLength(i);
    if (nl > 0 && load<u8>(np) != 0x3a && scanValue(np, nl, 0, mask)) {
      setLocation("header-name");
      return true;
    }
    if (nl == 6 && load<u32>(np) == 0x6b6f6f63 && load<u16>(np + 4) == 0x6569) {
      // "cookie"
      if (scanCookies(headers.valuePtr(i), headers.valueLength(i), mask)) return true;
      continue;
    }
    for (let k = 0; k < names.length; k++) {
      const want = names[k];
      if (want.length != nl || !sameAscii(np, want)) continue;
      if (scanValue(headers.valuePtr(i), headers.valueLength(i), 0, mask)) {
        setLocation("header:" + want);
        return true;
      }
      break;
    }
    if ((mask & B_SCANNER) != 0 && isAgentHeader(np, nl) && scanAgent(headers.valuePtr(i), headers.valueLength(i))) {
      setLocation("header:" + String.UTF8.decodeUnsafe(np, nl).toLowerCase());
      return true;
    }
  }
  return false;
}

/** User-Agent, and X-Scanner (Netsparker and Invicti announce themselves there). */
function isAgentHeader(p: usize, n: i32): bool {
  return (n == 10 && sameAscii(p, "user-agent")) || (n == 9 && sameAscii(p, "x-scanner"));
}

function sameAscii(p: usize, s: string): bool {
  const n = s.length;
  const sp = changetype<usize>(s);
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c - 0x41 < 26) c |= 0x20;
    if (c != <u32>load<u16>(sp + ((<usize>i) << 1))) return false;
  }
  return true;
}

/**
 * Inspects the URL path: as a whole for traversal (dot-dot steps span segments) and prototype pollution
 * (routers that turn segments into keys read "/constructor/prototype/x" as one key path), and segment by
 * segment for everything (a segment is where a path parameter's value sits: "/users/<id>"). A segment is
 * a value, not the URL path: one that decodes to an absolute path ("%2Fetc%2Fpasswd") is judged as in a
 * query.
 */
export function scanPath(p: usize, len: i32, mask: u32): bool {
  const whole = mask & (B_TRAVERSAL | B_PROTO);
  if (whole != 0 && scanValue(p, len, NORM_URL_PATH, whole)) {
    setLocation("path");
    return true;
  }
  const end = p + <usize>len;
  let s = p;
  while (s < end) {
    let e = s;
    while (e < end && load<u8>(e) != 0x2f) e++;
    if (e > s && scanValue(s, <i32>(e - s), 0, mask)) {
      setLocation("path");
      return true;
    }
    s = e + 1;
  }
  return false;
}

export function scanRawBody(p: usize, len: i32, mask: u32): bool {
  if (scanValue(p, len, 0, mask)) {
    setLocation("body");
    return true;
  }
  return false;
}
