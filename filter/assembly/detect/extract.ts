// From a request to the values the engine inspects, each with its location: the path, query
// parameter names and values, cookies one by one, selected headers, and the body (form fields, JSON
// strings and keys with their JSON path, XML text content and attribute values with their element
// path, or the raw text). Values are handed to scanValue as byte ranges of the request; only JSON
// strings are first unescaped, and XML text split by comments or CDATA joined, into a scratch buffer.
// Location strings are built only for the value that fired.

import { HeaderList } from "../http/headers";
import { Scratch, isSpaceByte, hexValue, isAlpha, isDigit, startsWith, skipSpace } from "./bytes";
import { B_TRAVERSAL, B_SCANNER } from "./types";
import { scanValue, scanAgent } from "./scan";
import { NORM_PLUS_SPACE, NORM_URL_PATH } from "./normalize";

/** The location of the last hit. */
export let lastLocation = "";

/** Writes `s` as UTF-8 into `buf` (no allocation once the buffer is large enough); returns the length. */
export function utf8Into(s: string, buf: Scratch): i32 {
  const n = s.length;
  buf.ensure(n * 3);
  const src = changetype<usize>(s);
  let o = buf.ptr;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u16>(src + (<usize>i << 1));
    if (c < 0x80) {
      store<u8>(o++, <u8>c);
    } else if (c < 0x800) {
      store<u8>(o++, <u8>(0xc0 | (c >> 6)));
      store<u8>(o++, <u8>(0x80 | (c & 0x3f)));
    } else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
        const d = <u32>load<u16>(src + (<usize>(i + 1) << 1));
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
      lastLocation = nameLocation.length > 0 ? nameLocation : valuePrefix + displayName(s, nameLen, true);
      return true;
    }
    if (eq < e && scanValue(eq + 1, <i32>(e - eq - 1), NORM_PLUS_SPACE, mask)) {
      lastLocation = valuePrefix + displayName(s, nameLen, true);
      return true;
    }
    s = e + 1;
  }
  return false;
}

/** Inspects each cookie value of a Cookie header value. */
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
    if (e > valueStart && scanValue(valueStart, <i32>(e - valueStart), 0, mask)) {
      lastLocation = "cookie:" + String.UTF8.decodeUnsafe(s, <i32>(nameEnd - s));
      return true;
    }
    s = e + 1;
  }
  return false;
}

/**
 * Inspects the headers named in `names` (all occurrences) and every cookie; and, for the scanner
 * category, the headers in which tools name themselves, whether listed or not.
 */
export function scanHeaders(headers: HeaderList, names: Array<string>, mask: u32): bool {
  for (let i = 0; i < headers.count; i++) {
    const np = headers.namePtr(i);
    const nl = headers.nameLength(i);
    if (nl == 6 && load<u32>(np) == 0x6b6f6f63 && load<u16>(np + 4) == 0x6569) { // "cookie"
      if (scanCookies(headers.valuePtr(i), headers.valueLength(i), mask)) return true;
      continue;
    }
    for (let k = 0; k < names.length; k++) {
      const want = names[k];
      if (want.length != nl || !sameAscii(np, want)) continue;
      if (scanValue(headers.valuePtr(i), headers.valueLength(i), 0, mask)) {
        lastLocation = "header:" + want;
        return true;
      }
      break;
    }
    if ((mask & B_SCANNER) != 0 && isAgentHeader(np, nl) && scanAgent(headers.valuePtr(i), headers.valueLength(i))) {
      lastLocation = "header:" + String.UTF8.decodeUnsafe(np, nl).toLowerCase();
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
    if (c != <u32>load<u16>(sp + (<usize>i << 1))) return false;
  }
  return true;
}

/**
 * Inspects the URL path: as a whole for traversal (dot-dot steps span segments), and segment by segment
 * for everything (a segment is where a path parameter's value sits: "/users/<id>"). A segment is a value,
 * not the URL path: one that decodes to an absolute path ("%2Fetc%2Fpasswd") is judged as in a query.
 */
export function scanPath(p: usize, len: i32, mask: u32): bool {
  if ((mask & B_TRAVERSAL) != 0 && scanValue(p, len, NORM_URL_PATH, B_TRAVERSAL)) {
    lastLocation = "path";
    return true;
  }
  const end = p + <usize>len;
  let s = p;
  while (s < end) {
    let e = s;
    while (e < end && load<u8>(e) != 0x2f) e++;
    if (e > s && scanValue(s, <i32>(e - s), 0, mask)) {
      lastLocation = "path";
      return true;
    }
    s = e + 1;
  }
  return false;
}

export function scanRawBody(p: usize, len: i32, mask: u32): bool {
  if (scanValue(p, len, 0, mask)) {
    lastLocation = "body";
    return true;
  }
  return false;
}

// ---- JSON ----

const MAX_DEPTH = 64;
const jsonIsArray = new StaticArray<bool>(MAX_DEPTH);
const jsonIndex = new StaticArray<i32>(MAX_DEPTH);
const jsonKeyPtr = new StaticArray<usize>(MAX_DEPTH);
const jsonKeyLen = new StaticArray<i32>(MAX_DEPTH);
const unescaped = new Scratch(1024);

/** Result of scanJson and scanXml: a hit, clean, or not that format (the caller then inspects the raw text). */
export const DOC_CLEAN = 0;
export const DOC_HIT = 1;
export const DOC_INVALID = 2;

/** Walks a JSON document and inspects every string value and key. */
export function scanJson(p: usize, len: i32, mask: u32): i32 {
  const end = p + <usize>len;
  let depth = 0;
  let q = p;
  let expectKey = false;
  while (q < end) {
    const c = <u32>load<u8>(q);
    if (isSpaceByte(c)) { q++; continue; }
    if (c == 0x7b || c == 0x5b) {
      if (depth < MAX_DEPTH) {
        unchecked(jsonIsArray[depth] = c == 0x5b);
        unchecked(jsonIndex[depth] = 0);
        unchecked(jsonKeyLen[depth] = -1);
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
    if (c == 0x3a) { q++; expectKey = false; continue; }
    if (c == 0x22) {
      const s = q + 1;
      let r = s;
      let escapes = false;
      while (r < end) {
        const d = load<u8>(r);
        if (d == 0x5c) { escapes = true; r += 2; continue; }
        if (d == 0x22) break;
        r++;
      }
      if (r >= end) return DOC_INVALID;
      const isKey = expectKey && depth > 0 && depth <= MAX_DEPTH && !unchecked(jsonIsArray[depth - 1]);
      if (isKey) {
        unchecked(jsonKeyPtr[depth - 1] = s);
        unchecked(jsonKeyLen[depth - 1] = <i32>(r - s));
      }
      let vp = s;
      let vl = <i32>(r - s);
      if (escapes) {
        vl = unescapeJson(s, vl);
        vp = unescaped.ptr;
      }
      if (scanValue(vp, vl, 0, mask)) {
        lastLocation = "body.json:" + jsonPath(depth);
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
      case 0x22: r = 0x22; break;
      case 0x5c: r = 0x5c; break;
      case 0x2f: r = 0x2f; break;
      case 0x62: r = 0x08; break;
      case 0x66: r = 0x0c; break;
      case 0x6e: r = 0x0a; break;
      case 0x72: r = 0x0d; break;
      case 0x74: r = 0x09; break;
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

// ---- XML ----

const xmlNamePtr = new StaticArray<usize>(MAX_DEPTH);
const xmlNameLen = new StaticArray<i32>(MAX_DEPTH);
const xmlText = new Scratch(1024);

/** Open elements; the names of the first MAX_DEPTH are kept for the location. */
let xmlDepth = 0;
/** The body was cut at the inspection limit: the document may end anywhere. */
let xmlCut = false;
/** Why a step stopped the walk: DOC_HIT, DOC_INVALID, or DOC_CLEAN (the cut end was reached). */
let xmlStop = DOC_CLEAN;
/**
 * Character data of the current element since its last child tag: a range of the document, or the
 * pieces joined in xmlText when a comment, a processing instruction or a CDATA section split it (an
 * application reads the joined text).
 */
let textPtr: usize = 0;
let textLen = 0;
let textJoined = false;
let textSolid = false; // holds more than white space

/**
 * Walks an XML document in one pass and inspects the character data of each element (CDATA included;
 * entity references are decoded by the normaliser) and every attribute value, each reported at its
 * element path ("body.xml:/soap:Envelope/soap:Body/m:Order/@id"). The markup itself is no value:
 * tags are not judged as HTML and a DOCTYPE is skipped (the caller runs XXE detection over the raw
 * document). `cut`: the body was cut at the limit; what was read is judged, the rest is not.
 */
export function scanXml(p: usize, len: i32, mask: u32, cut: bool): i32 {
  const end = p + <usize>len;
  let q = p;
  if (len >= 3 && load<u16>(p) == 0xbbef && load<u8>(p + 2) == 0xbf) q += 3; // UTF-8 byte order mark
  xmlDepth = 0;
  xmlCut = cut;
  xmlStop = DOC_CLEAN;
  textLen = 0;
  textJoined = false;
  textSolid = false;
  let elements = false;
  while (q < end) {
    let lt = q;
    while (lt < end && load<u8>(lt) != 0x3c) lt++;
    if (lt > q) {
      // Character data outside the root element: not XML.
      if (xmlDepth == 0 && !allSpace(q, lt)) return DOC_INVALID;
      if (xmlDepth > 0) addText(q, lt, len);
    }
    if (lt >= end) break;
    const c = lt + 1 < end ? <u32>load<u8>(lt + 1) : 0;
    if (c == 0x21) q = xmlDeclaration(lt, end, len);
    else if (c == 0x3f) q = xmlInstruction(lt, end, mask);
    else if (c == 0x2f) q = xmlEndTag(lt, end, mask);
    else {
      q = xmlStartTag(lt, end, mask);
      elements = true;
    }
    if (q == 0) return xmlStop == DOC_CLEAN && flushText(mask) ? DOC_HIT : xmlStop;
  }
  if (!cut && (xmlDepth != 0 || !elements)) return DOC_INVALID;
  return flushText(mask) ? DOC_HIT : DOC_CLEAN;
}

/** Stops the walk at an unterminated construct: the end of a cut document, else not XML. */
function unterminated(): usize {
  xmlStop = xmlCut ? DOC_CLEAN : DOC_INVALID;
  return 0;
}

function notXml(): usize {
  xmlStop = DOC_INVALID;
  return 0;
}

/** <!-- comment -->, <![CDATA[text]]> or <!DOCTYPE ...>; returns the position after it, or 0 to stop. */
function xmlDeclaration(lt: usize, end: usize, docLen: i32): usize {
  if (startsWith(lt, end, "<!--")) {
    const e = find3(lt + 4, end, 0x2d, 0x2d, 0x3e);
    return e == end ? unterminated() : e + 3;
  }
  if (startsWith(lt, end, "<![CDATA[")) {
    if (xmlDepth == 0) return notXml();
    const e = find3(lt + 9, end, 0x5d, 0x5d, 0x3e);
    addText(lt + 9, e, docLen);
    return e == end ? unterminated() : e + 3;
  }
  if (startsWith(lt, end, "<!DOCTYPE")) {
    // Skipped whole, internal subset included: XXE detection has read the raw document.
    let r = lt + 9;
    while (r < end && load<u8>(r) != 0x3e && load<u8>(r) != 0x5b) r++;
    if (r < end && load<u8>(r) == 0x5b) {
      while (r < end && load<u8>(r) != 0x5d) r++;
      while (r < end && load<u8>(r) != 0x3e) r++;
    }
    return r >= end ? unterminated() : r + 1;
  }
  return notXml();
}

/**
 * <?target pseudo="attributes"?>: their values are inspected like attributes (an xml-stylesheet href
 * is a URL a browser loads); other instruction data is skipped.
 */
function xmlInstruction(lt: usize, end: usize, mask: u32): usize {
  const ns = lt + 2;
  let r = ns;
  while (r < end && isXmlNameByte(load<u8>(r))) r++;
  if (r == ns) return r >= end ? unterminated() : notXml();
  return xmlAttributes(r, end, mask, ns, <i32>(r - ns));
}

function xmlStartTag(lt: usize, end: usize, mask: u32): usize {
  const ns = lt + 1;
  if (ns >= end) return unterminated();
  if (!isXmlNameStart(load<u8>(ns))) return notXml();
  let r = ns;
  while (r < end && isXmlNameByte(load<u8>(r))) r++;
  // The text before this tag belongs to the parent.
  if (flushText(mask)) {
    xmlStop = DOC_HIT;
    return 0;
  }
  if (xmlDepth < MAX_DEPTH) {
    unchecked(xmlNamePtr[xmlDepth] = ns);
    unchecked(xmlNameLen[xmlDepth] = <i32>(r - ns));
  }
  xmlDepth++;
  return xmlAttributes(r, end, mask, 0, 0);
}

function xmlEndTag(lt: usize, end: usize, mask: u32): usize {
  const ns = lt + 2;
  let r = ns;
  while (r < end && isXmlNameByte(load<u8>(r))) r++;
  const n = <i32>(r - ns);
  r = skipSpace(r, end);
  if (r >= end) return unterminated();
  if (n == 0 || load<u8>(r) != 0x3e || xmlDepth == 0) return notXml();
  if (flushText(mask)) {
    xmlStop = DOC_HIT;
    return 0;
  }
  xmlDepth--;
  if (xmlDepth < MAX_DEPTH && (unchecked(xmlNameLen[xmlDepth]) != n || memory.compare(unchecked(xmlNamePtr[xmlDepth]), ns, n) != 0)) return notXml();
  return r + 1;
}

/**
 * The attributes of a start tag (target 0) or the pseudo-attributes of a processing instruction, up to
 * and past the tag's end; each value is inspected.
 */
function xmlAttributes(r: usize, end: usize, mask: u32, target: usize, targetLen: i32): usize {
  const pi = target != 0;
  while (true) {
    r = skipSpace(r, end);
    if (r >= end) return unterminated();
    const c = load<u8>(r);
    if (pi && c == 0x3f) {
      if (r + 1 >= end) return unterminated();
      if (load<u8>(r + 1) == 0x3e) return r + 2;
      break;
    }
    if (!pi && c == 0x3e) return r + 1;
    if (!pi && c == 0x2f) { // "/>": an empty element
      if (r + 1 >= end) return unterminated();
      if (load<u8>(r + 1) != 0x3e) break;
      xmlDepth--;
      return r + 2;
    }
    const an = r;
    while (r < end && isXmlNameByte(load<u8>(r))) r++;
    const anLen = <i32>(r - an);
    r = skipSpace(r, end);
    if (r >= end) return unterminated();
    if (anLen == 0 || load<u8>(r) != 0x3d) break;
    r = skipSpace(r + 1, end);
    if (r >= end) return unterminated();
    const quote = load<u8>(r);
    if (quote != 0x22 && quote != 0x27) break;
    const vs = r + 1;
    r = vs;
    while (r < end && load<u8>(r) != quote && load<u8>(r) != 0x3c) r++;
    if (r >= end) return unterminated();
    if (load<u8>(r) == 0x3c) break;
    if (scanValue(vs, <i32>(r - vs), 0, mask)) {
      let at = "body.xml:" + xmlPath(xmlDepth) + "/";
      if (pi) at += "?" + String.UTF8.decodeUnsafe(target, targetLen) + "/";
      lastLocation = at + "@" + String.UTF8.decodeUnsafe(an, anLen);
      xmlStop = DOC_HIT;
      return 0;
    }
    r++;
  }
  if (!pi) return notXml();
  // Instruction data that is not pseudo-attributes (<?php ... ?>): skipped.
  const e = find2(r, end, 0x3f, 0x3e);
  return e == end ? unterminated() : e + 2;
}

/** Adds the bytes s..e to the current element's character data. */
function addText(s: usize, e: usize, docLen: i32): void {
  const n = <i32>(e - s);
  if (n <= 0) return;
  if (!textSolid && !allSpace(s, e)) textSolid = true;
  if (textLen == 0) {
    textPtr = s;
    textLen = n;
    return;
  }
  if (!textJoined) {
    xmlText.ensure(docLen); // the joined text is never longer than the document
    memory.copy(xmlText.ptr, textPtr, textLen);
    textPtr = xmlText.ptr;
    textJoined = true;
  }
  memory.copy(textPtr + <usize>textLen, s, n);
  textLen += n;
}

/** Inspects and clears the current element's character data; true on a hit. */
function flushText(mask: u32): bool {
  const solid = textSolid;
  const n = textLen;
  textLen = 0;
  textJoined = false;
  textSolid = false;
  if (!solid || !scanValue(textPtr, n, 0, mask)) return false;
  lastLocation = "body.xml:" + xmlPath(xmlDepth);
  return true;
}

/** "/a/b/c" for the open elements. */
function xmlPath(depth: i32): string {
  let out = "";
  const d = depth < MAX_DEPTH ? depth : MAX_DEPTH;
  for (let i = 0; i < d; i++) out += "/" + String.UTF8.decodeUnsafe(xmlNamePtr[i], xmlNameLen[i]);
  return out;
}

function isXmlNameStart(c: u32): bool {
  return isAlpha(c) || c == 0x5f || c == 0x3a || c >= 0x80;
}

function isXmlNameByte(c: u32): bool {
  return isXmlNameStart(c) || isDigit(c) || c == 0x2d || c == 0x2e;
}

function allSpace(s: usize, e: usize): bool {
  for (let q = s; q < e; q++) if (!isSpaceByte(load<u8>(q))) return false;
  return true;
}

/** The first a,b,c at or after `s`, or `end`. */
function find3(s: usize, end: usize, a: u8, b: u8, c: u8): usize {
  for (let q = s; q + 2 < end; q++) {
    if (load<u8>(q) == a && load<u8>(q + 1) == b && load<u8>(q + 2) == c) return q;
  }
  return end;
}

/** The first a,b at or after `s`, or `end`. */
function find2(s: usize, end: usize, a: u8, b: u8): usize {
  for (let q = s; q + 1 < end; q++) {
    if (load<u8>(q) == a && load<u8>(q + 1) == b) return q;
  }
  return end;
}
