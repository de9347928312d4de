// The XML walker: the character data of each element and every attribute value inspected, each reported
// at its element path ("body.xml:/soap:Envelope/soap:Body/m:Order/@id"). One pass over the document.

import { Scratch, isSpaceByte, isAlpha, isDigit, startsWith, skipSpace } from "./bytes";
import { scanValue } from "./scan";
import { setLocation, DOC_CLEAN, DOC_HIT, DOC_INVALID, MAX_DEPTH } from "./walk";

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
    unchecked((xmlNamePtr[xmlDepth] = ns));
    unchecked((xmlNameLen[xmlDepth] = <i32>(r - ns)));
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
  if (xmlDepth < MAX_DEPTH && (unchecked(xmlNameLen[xmlDepth]) != n || memory.compare(unchecked(xmlNamePtr[xmlDepth]), ns, n) != 0))
    return notXml();
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
    if (!pi && c == 0x2f) {
      // "/>": an empty element
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
      setLocation(at + "@" + String.UTF8.decodeUnsafe(an, anLen));
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
  setLocation("body.xml:" + xmlPath(xmlDepth));
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
