// Cross-site scripting: one pass over the normalised bytes that recognises what a browser would
// execute, in markup or in an attribute the value may land in:
//  - tags that run or load code (<script>, <iframe>, <object>, <svg>, <meta>, <base>...);
//  - event-handler attributes (on<name>=...) inside any tag, or injected after a quote break;
//  - script URLs (javascript:, vbscript:, data:text/html...) with code after the colon, tolerant of the
//    control characters browsers ignore inside a scheme;
//  - calls of the usual payload functions (alert(, prompt`, eval(...)), DOM sinks (document.cookie,
//    .innerHTML, window.open) and CSS expressions;
//  - (encodedLtProbe, called by scan.ts) a value that is only an encoded '<', probing the decoders.
// Every check looks at a bounded window around a trigger byte, and tag scans stop at the next '<', so
// the whole pass is linear.

import { Hit, B_XSS } from "./types";
import { Lexicon } from "./lexicon";
import { isAlpha, isDigit, isWordByte, isSpaceByte, startsWith } from "./bytes";

const TAG_DANGER = 1;
const TAG_SCRIPT = 2;

const TAG_HTML = 3;
const TAG_FORMAT = 4; // text formatting: markup injection only when it carries attributes

const TAGS = new Lexicon()
  .add("script", TAG_SCRIPT)
  .add(
    "iframe frame frameset object embed applet base meta link svg math xml import isindex " +
      "vmlframe xss portal bgsound layer ilayer style",
    TAG_DANGER,
  )
  // Document structure, forms, media and SVG/XSL elements: markup a value has no reason to carry.
  // (Text formatting — a, b, i, p, span, div, br, lists, tables... — is judged by its attributes only.)
  .add(
    "area article aside audio basefont bdi bdo blink body button canvas command content datalist " +
      "details dialog dir element fieldset figure footer form head header hgroup html image img input " +
      "keygen label legend listing main map marquee menu menuitem meter multicol nav nextid noembed noframes " +
      "noscript optgroup option output param picture plaintext progress section select shadow slot " +
      "source spacer summary template textarea title track video xmp animate animatemotion " +
      "animatetransform set feimage foreignobject use mask path circle rect defs symbol lineargradient " +
      "filter handler listener stylesheet transform",
    TAG_HTML,
  )
  .add(
    "a abbr acronym address b big blockquote br caption center cite code col colgroup dd del dfn div dl " +
      "dt em font h1 h2 h3 h4 h5 h6 hr i ins kbd li mark nobr ol p pre q rb rp rt rtc ruby s samp small span " +
      "strike strong sub sup table tbody td tfoot th thead time tr tt u ul var wbr g stop",
    TAG_FORMAT,
  );

/** Attributes whose value is a URL (or code) the browser may run. */
const URL_ATTRS = new Lexicon().add(
  "src href action formaction data background dynsrc lowsrc xlink:href poster code codebase " +
    "srcdoc from to values by content datasrc style lowsrc profile classid ping imagesrc",
  1,
);

/** Functions payloads call to prove execution or to decode the real payload. */
const JS_CALLS = new Lexicon().add(
  "alert prompt confirm eval settimeout setinterval execscript msgbox fromcharcode atob " + "unescape print showmodaldialog",
  1,
);

const JS_DOM = new Lexicon().add("cookie domain write writeln location createelement body", 1);

function isDelimiter(c: u32): bool {
  return !(isWordByte(c) || c >= 0x80);
}

/** Looks for XSS in normalised bytes; on a hit fills `hit` and returns true. */
export function detectXss(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  let tagEnd: usize = p; // end of the last tag scanned (positions before it were seen as attributes)
  for (let q = p; q < end; q++) {
    const c = <u32>load<u8>(q);
    if (c == 0x3c) {
      // <
      // Inside an open tag '<' and '/' are attribute-name bytes to a browser: `<x </onxxx=1` gives x an
      // onxxx attribute. (The tag scan stops at '<' to stay linear, so the handler is judged here.)
      if (q > p && q == tagEnd && smuggledHandler(q, end)) return hit.set(B_XSS, "xss.event-handler", <i32>(q - p));
      const r = scanTag(q, end, hit);
      if (r == 0) return hit.set(B_XSS, hit.rule, <i32>(hitAt - p));
      tagEnd = r;
    } else if (c == 0x6f) {
      // o: on<event>= outside a tag
      if (q >= tagEnd && q + 4 < end && load<u8>(q + 1) == 0x6e && (q == p || isDelimiter(load<u8>(q - 1)))) {
        if (injectedHandler(p, q, end)) return hit.set(B_XSS, "xss.event-handler", <i32>(q - p));
      }
    } else if (c == 0x3a) {
      // :
      if (scriptScheme(p, q, end)) return hit.set(B_XSS, "xss.script-url", <i32>(schemeAt - p));
    } else if (c == 0x28 || c == 0x60 || c == 0x29 || c == 0x2c) {
      // ( ` ) ,
      if (q > p && isAlpha(load<u8>(q - 1)) && jsCall(p, q, end, c)) return hit.set(B_XSS, "xss.js-call", <i32>(callAt - p));
      // Optional call: alert?.(1)
      if (
        c == 0x28 &&
        q - p > 2 &&
        load<u8>(q - 1) == 0x2e &&
        load<u8>(q - 2) == 0x3f &&
        isAlpha(load<u8>(q - 3)) &&
        jsCall(p, q - 2, end, c)
      )
        return hit.set(B_XSS, "xss.js-call", <i32>(callAt - p));
    } else if (c == 0x2e || c == 0x5b) {
      // . [
      if (domSink(p, q, end)) return hit.set(B_XSS, "xss.dom-sink", <i32>(q - p));
      if (c == 0x5b && computedGlobalCall(p, q, end)) return hit.set(B_XSS, "xss.js-call", <i32>(callAt - p));
    } else if (c == 0x2b) {
      // UTF-7: +ADw- is '<' (lower-cased here: +adw-), then a tag name
      if (startsWith(q, end, "+adw-") && q + 5 < end && isAlpha(load<u8>(q + 5))) return hit.set(B_XSS, "xss.utf7-markup", <i32>(q - p));
    } else if (c == 0x65) {
      // e: expression(
      if (cssExpression(p, q, end)) return hit.set(B_XSS, "xss.css-expression", <i32>(q - p));
    } else if (c == 0x2d) {
      // -moz-binding
      if (startsWith(q, end, "-moz-binding")) return hit.set(B_XSS, "xss.css-binding", <i32>(q - p));
    } else if (c == 0x40) {
      // @import inside a style
      if (
        startsWith(q, end, "@import") &&
        q + 7 < end &&
        (load<u8>(q + 7) == 0x27 || load<u8>(q + 7) == 0x22 || isSpaceByte(load<u8>(q + 7)))
      ) {
        return hit.set(B_XSS, "xss.css-import", <i32>(q - p));
      }
    } else if (c == 0x62) {
      // behavior: url(  behaviour: url(  binding: url(
      if (cssBinding(q, end)) return hit.set(B_XSS, "xss.css-binding", <i32>(q - p));
    }
  }
  return false;
}

/**
 * A value that is only '<' spelled in an encoding no transport applies (&lt;, &#x3c;, \x3c, \u003c,
 * %253c...): a probe for which decoding layer lets markup through. A bare '<' or its URL escape is an
 * ordinary value ("op=<").
 */
export function encodedLtProbe(raw: usize, rawLen: i32, p: usize, n: i32): bool {
  let s = p;
  let e = p + <usize>n;
  while (s < e && isSpaceByte(load<u8>(s))) s++;
  while (e > s && isSpaceByte(load<u8>(e - 1))) e--;
  if (e - s != 1 || load<u8>(s) != 0x3c) return false;
  // The raw value without the spaces around it (' ', '+', "%20").
  let a = raw;
  let z = raw + <usize>rawLen;
  while (true) {
    if (a < z && (isSpaceByte(load<u8>(a)) || load<u8>(a) == 0x2b)) a++;
    else if (z - a >= 3 && isEscapedSpace(a)) a += 3;
    else break;
  }
  while (true) {
    if (z > a && (isSpaceByte(load<u8>(z - 1)) || load<u8>(z - 1) == 0x2b)) z--;
    else if (z - a >= 3 && isEscapedSpace(z - 3)) z -= 3;
    else break;
  }
  const m = z - a;
  if (m == 1) return false;
  return !(m == 3 && load<u8>(a) == 0x25 && load<u8>(a + 1) == 0x33 && (load<u8>(a + 2) | 0x20) == 0x63);
}

/** "%20" */
function isEscapedSpace(p: usize): bool {
  return load<u8>(p) == 0x25 && load<u8>(p + 1) == 0x32 && load<u8>(p + 2) == 0x30;
}

let hitAt: usize = 0;

/**
 * Scans a tag starting at '<'. Returns 0 when it fired (rule in `hit.rule`, position in hitAt),
 * otherwise the position where scanning stopped.
 */
function scanTag(lt: usize, end: usize, hit: Hit): usize {
  let q = lt + 1;
  if (q < end && load<u8>(q) == 0x2f) q++;
  if (q < end && load<u8>(q) == 0x3f) q++; // <?import, <?xml-stylesheet
  const nameStart = q;
  if (q >= end || !isAlpha(load<u8>(q))) return lt + 1;
  while (q < end && (isWordByte(load<u8>(q)) || load<u8>(q) == 0x2d || load<u8>(q) == 0x3a)) q++;
  const nameLen = <i32>(q - nameStart);
  let kind = TAGS.find(nameStart, nameLen);
  if (kind < 0) {
    // A namespaced element (svg:svg, xsl:stylesheet): judge the local name, else the prefix
    // (<xml:namespace>, IE's import of behaviours).
    for (let r = nameStart; r < q; r++) {
      if (load<u8>(r) == 0x3a) {
        kind = TAGS.find(r + 1, <i32>(q - r - 1));
        if (kind < 0) kind = TAGS.find(nameStart, <i32>(r - nameStart));
        break;
      }
    }
  }
  if (kind == TAG_SCRIPT) {
    hit.rule = "xss.script-tag";
    hitAt = lt;
    return 0;
  }
  if (kind == TAG_DANGER) {
    // A bare word after '<' is markup only when something follows that a parser accepts as a tag.
    if (q >= end || isSpaceByte(load<u8>(q)) || load<u8>(q) == 0x3e || load<u8>(q) == 0x2f) {
      hit.rule = "xss.tag";
      hitAt = lt;
      return 0;
    }
  }
  if (nameStart == lt + 2 && load<u8>(lt + 1) == 0x3f) {
    if (startsWith(nameStart, end, "import") || startsWith(nameStart, end, "xml-stylesheet")) {
      hit.rule = "xss.tag";
      hitAt = lt;
      return 0;
    }
  }
  const htmlTag = kind == TAG_HTML;
  // Attributes, until '>' outside quotes, or the next '<'.
  while (q < end) {
    let c = <u32>load<u8>(q);
    if (c == 0x3e && htmlTag) {
      hit.rule = "xss.html-tag";
      hitAt = lt;
      return 0;
    }
    if (c == 0x3e || c == 0x3c) return q;
    // Separators browsers accept between attributes (quotes included: `<img/"onerror=...`).
    if (isSpaceByte(c) || c == 0x2f || c == 0x22 || c == 0x27 || c == 0x60) {
      q++;
      continue;
    }
    const an = q;
    while (q < end) {
      c = <u32>load<u8>(q);
      if (isSpaceByte(c) || c == 0x2f || c == 0x3e || c == 0x3c || c == 0x3d || c == 0x22 || c == 0x27 || c == 0x60) break;
      q++;
    }
    const anLen = <i32>(q - an);
    let v = q;
    while (v < end && isSpaceByte(load<u8>(v))) v++;
    if (v >= end || load<u8>(v) != 0x3d) {
      if (anLen == 0) q++;
      continue;
    }
    if (anLen >= 5 && load<u8>(an) == 0x6f && load<u8>(an + 1) == 0x6e && isAlpha(load<u8>(an + 2))) {
      hit.rule = "xss.event-handler";
      hitAt = an;
      return 0;
    }
    v++;
    while (v < end && isSpaceByte(load<u8>(v))) v++;
    let quote: u32 = 0;
    if (v < end && (load<u8>(v) == 0x22 || load<u8>(v) == 0x27 || load<u8>(v) == 0x60)) {
      quote = load<u8>(v);
      v++;
    }
    const vs = v;
    while (v < end) {
      c = <u32>load<u8>(v);
      if (c == 0x3c) break;
      if (quote != 0 ? c == quote : isSpaceByte(c) || c == 0x3e) break;
      v++;
    }
    if (URL_ATTRS.find(an, anLen) >= 0 && dangerousValue(vs, v)) {
      hit.rule = "xss.attribute-url";
      hitAt = an;
      return 0;
    }
    // Text formatting is markup injection when an attribute does more than lay out the text or link
    // within the site (<a href="/apps/">, <span class="x">, <table width="99%"> are what editors send).
    if (kind == TAG_FORMAT && anLen > 0 && !inertAttribute(an, anLen, vs, v)) {
      hit.rule = "xss.html-tag";
      hitAt = lt;
      return 0;
    }
    // A quoted value ends at its quote (step over it); an unquoted one at a space or at the '>' that
    // also closes the tag (stay on it: `<input value=x>` is a complete tag).
    q = quote != 0 && v < end && load<u8>(v) != 0x3c ? v + 1 : v;
  }
  return q;
}

/** At the '<' that stopped a tag scan: '<' or '</' glued to on<letters>= (an attribute of the open tag). */
function smuggledHandler(lt: usize, end: usize): bool {
  let r = lt + 1;
  if (r < end && load<u8>(r) == 0x2f) r++;
  if (r + 4 >= end || load<u8>(r) != 0x6f || load<u8>(r + 1) != 0x6e) return false;
  const s = r;
  r += 2;
  while (r < end && isAlpha(load<u8>(r))) r++;
  if (r - s < 5) return false;
  while (r < end && isSpaceByte(load<u8>(r))) r++;
  return r < end && load<u8>(r) == 0x3d;
}

/**
 * Attributes that only lay out or label text. Not id or name: they define globals scripts read (DOM
 * clobbering).
 */
const LAYOUT_ATTRS = new Lexicon().add(
  "class title width height border cellpadding cellspacing align valign colspan rowspan dir lang " +
    "alt target rel bgcolor color size face nowrap summary scope headers abbr start type value",
  1,
);

/** A layout attribute, or a link attribute (href, src) whose value stays on the site: a path, no scheme, no "//". */
function inertAttribute(an: usize, anLen: i32, vs: usize, ve: usize): bool {
  if (LAYOUT_ATTRS.find(an, anLen) >= 0) return true;
  if (!((anLen == 4 && startsWith(an, an + 4, "href")) || (anLen == 3 && startsWith(an, an + 3, "src")))) return false;
  if (ve - vs >= 2 && (load<u8>(vs) == 0x2f || load<u8>(vs) == 0x5c) && (load<u8>(vs + 1) == 0x2f || load<u8>(vs + 1) == 0x5c))
    return false;
  for (let q = vs; q < ve; q++) {
    const c = load<u8>(q);
    if (c == 0x3a || c <= 0x20 || c == 0x26) return false; // a scheme, or bytes a browser strips from one
    if (c == 0x2f || c == 0x3f || c == 0x23) break; // past the first segment a colon is no scheme
  }
  return true;
}

/** An attribute value that runs code: a script URL (handled by the ':' check too) or CSS tricks. */
function dangerousValue(s: usize, e: usize): bool {
  // Skip leading spaces and control bytes browsers ignore.
  while (s < e && load<u8>(s) <= 0x20) s++;
  if (startsWith(s, e, "data:")) return true; // data: documents and scripts in a URL attribute
  for (let q = s; q + 6 < e; q++) {
    const c = load<u8>(q);
    if (c == 0x65 && startsWith(q, e, "expression")) return true;
    if (c == 0x62 && startsWith(q, e, "behavior")) return true;
    if (c == 0x2d && startsWith(q, e, "-moz-binding")) return true;
  }
  return false;
}

/** on<letters>[ ]= outside a tag, as after a quote that closes an attribute value. */
function injectedHandler(begin: usize, q: usize, end: usize): bool {
  let r = q + 2;
  while (r < end && isAlpha(load<u8>(r))) r++;
  if (r - q < 5) return false; // on + at least three letters
  while (r < end && isSpaceByte(load<u8>(r))) r++;
  if (r >= end || load<u8>(r) != 0x3d) return false;
  r++;
  while (r < end && (isSpaceByte(load<u8>(r)) || load<u8>(r) == 0x22 || load<u8>(r) == 0x27)) r++;
  // What follows must look like code: a call, a template, a property access, braces...
  const limit = r + 64 < end ? r + 64 : end;
  for (let s = r; s < limit; s++) {
    const c = load<u8>(s);
    if (c == 0x28 || c == 0x60 || c == 0x7b || c == 0x5b) return true;
    if (c == 0x3a && s > r) return true; // javascript:...
    if (isSpaceByte(c) || c == 0x3e || c == 0x22 || c == 0x27) break;
  }
  // Or a quote / tag break earlier in the value, as when the value closes an attribute.
  for (let s = begin; s < q; s++) {
    const c = load<u8>(s);
    if (c == 0x22 || c == 0x27 || c == 0x60) return r < end && isAlpha(load<u8>(r));
  }
  let b = q;
  while (b > begin && isSpaceByte(load<u8>(b - 1))) b--;
  if (b > begin) {
    const c = load<u8>(b - 1);
    if (c == 0x22 || c == 0x27 || c == 0x60 || c == 0x2f) return r < end;
  }
  return false;
}

let schemeAt: usize = 0;

/** A script URL scheme ending at the ':' at `q`, followed by code. */
function scriptScheme(begin: usize, q: usize, end: usize): bool {
  // Collect up to 12 letters backwards, skipping spaces and control characters.
  const tmp = memory.data(16);
  let n = 0;
  let b = q;
  let lastLetter = q;
  while (b > begin && n < 12) {
    const c = <u32>load<u8>(b - 1);
    if (isAlpha(c)) {
      store<u8>(tmp + 15 - n, <u8>c);
      n++;
      lastLetter = b - 1;
    } else if (!(c <= 0x20)) {
      break;
    }
    b--;
  }
  if (n < 4) return false;
  const w = tmp + 16 - <usize>n;
  let kind = 0;
  if (n >= 10 && startsWith(tmp + 6, tmp + 16, "javascript")) kind = 1;
  else if (n >= 8 && startsWith(tmp + 8, tmp + 16, "vbscript")) kind = 1;
  else if (n >= 10 && startsWith(tmp + 6, tmp + 16, "livescript")) kind = 1;
  else if (n >= 5 && startsWith(tmp + 11, tmp + 16, "mocha")) kind = 1;
  else if (n >= 4 && startsWith(tmp + 12, tmp + 16, "data")) kind = 2;
  if (kind == 0) return false;
  schemeAt = lastLetter;
  if (w == 0) return false;
  let r = q + 1;
  if (kind == 2) {
    while (r < end && load<u8>(r) <= 0x20) r++;
    return (
      startsWith(r, end, "text/html") ||
      startsWith(r, end, "image/svg") ||
      startsWith(r, end, "text/javascript") ||
      startsWith(r, end, "application/javascript") ||
      startsWith(r, end, "application/x-") ||
      startsWith(r, end, "text/xml") ||
      startsWith(r, end, "application/xhtml") ||
      startsWith(r, end, ",<") ||
      startsWith(r, end, ";base64")
    );
  }
  while (r < end && load<u8>(r) <= 0x20) r++;
  if (r >= end) return false;
  const c = <u32>load<u8>(r);
  if (!isAlpha(c) && c != 0x5f && c != 0x24) {
    // Punctuation that starts an expression: ( [ { ' " / ! ~ + - `
    return (
      c == 0x28 ||
      c == 0x5b ||
      c == 0x7b ||
      c == 0x27 ||
      c == 0x22 ||
      c == 0x2f ||
      c == 0x21 ||
      c == 0x7e ||
      c == 0x2b ||
      c == 0x2d ||
      c == 0x60 ||
      c == 0x3b ||
      isDigit(c) ||
      c == 0x3c ||
      c >= 0x80
    );
  }
  // identifier(, identifier., identifier=, identifier[, identifier`, identifier:
  let s = r;
  while (s < end && (isWordByte(load<u8>(s)) || load<u8>(s) == 0x24)) s++;
  if (s >= end) return s - r >= 3; // "javascript:alert" with nothing after still runs
  const d = <u32>load<u8>(s);
  return d == 0x28 || d == 0x2e || d == 0x3d || d == 0x5b || d == 0x60 || d == 0x3a || d == 0x3b || d == 0x2f || d == 0x29;
}

let callAt: usize = 0;

/** `name(`, name`...`, or a bare reference like (confirm)(1) / [1].map(alert), for payload functions. */
function jsCall(begin: usize, q: usize, end: usize, c: u32): bool {
  let b = q;
  while (b > begin && q - b < 16 && isAlpha(load<u8>(b - 1))) b--;
  if (b > begin && isWordByte(load<u8>(b - 1))) return false; // "1alert(1)" is no call: a name never follows a digit
  const n = <i32>(q - b);
  if (n < 4 || JS_CALLS.find(b, n) < 0) return false;
  callAt = b;
  // print() opens the print dialog, the probe of choice where alert is filtered; Python's print(...)
  // always has an argument.
  if (c == 0x28 && n == 5 && startsWith(b, q, "print")) return q + 1 < end && load<u8>(q + 1) == 0x29;
  if (c == 0x28 || c == 0x60) return true;
  // Reference passed around: require a code-ish byte before it.
  let a = b;
  while (a > begin && isSpaceByte(load<u8>(a - 1))) a--;
  if (a == begin) return false;
  const d = load<u8>(a - 1);
  return d == 0x28 || d == 0x3d || d == 0x2c || d == 0x5b;
}

/**
 * A member of a global object looked up by a computed name and called: top["al"+"ert"](1),
 * window[atob(...)](...), self['\x65val'](...). The name is hidden; the shape is what a payload needs.
 */
function computedGlobalCall(begin: usize, q: usize, end: usize): bool {
  let b = q;
  while (b > begin && q - b < 12 && isAlpha(load<u8>(b - 1))) b--;
  if (b > begin && (isWordByte(load<u8>(b - 1)) || load<u8>(b - 1) == 0x2e)) return false;
  const n = <i32>(q - b);
  if (
    !(
      (n == 3 && startsWith(b, q, "top")) ||
      (n == 4 && (startsWith(b, q, "self") || startsWith(b, q, "this"))) ||
      (n == 6 && (startsWith(b, q, "window") || startsWith(b, q, "parent") || startsWith(b, q, "frames"))) ||
      (n == 10 && startsWith(b, q, "globalthis")) ||
      (n == 8 && startsWith(b, q, "document"))
    )
  )
    return false;
  // The bracket closes (within 96 bytes, brackets balanced) and a call follows: ](  or ]`
  // A numeric index (frames[0], top[3]) is not a name.
  let r0 = q + 1;
  while (r0 < end && isDigit(load<u8>(r0))) r0++;
  if (r0 < end && load<u8>(r0) == 0x5d) return false;
  let depth = 0;
  const limit = q + 96 < end ? q + 96 : end;
  for (let r = q; r < limit; r++) {
    const c = load<u8>(r);
    if (c == 0x5b) depth++;
    else if (c == 0x5d && --depth == 0) {
      let s = r + 1;
      while (s < end && isSpaceByte(load<u8>(s))) s++;
      if (s < end && (load<u8>(s) == 0x28 || load<u8>(s) == 0x60)) {
        callAt = b;
        return true;
      }
      return false;
    }
  }
  return false;
}

/** document.cookie / document['cookie'] / window.location / window.open( / .innerhtml / .outerhtml */
function domSink(begin: usize, q: usize, end: usize): bool {
  const c = load<u8>(q);
  let r = q + 1;
  if (c == 0x2e) {
    if (startsWith(r, end, "innerhtml") || startsWith(r, end, "outerhtml") || startsWith(r, end, "insertadjacenthtml")) return true;
  } else {
    while (r < end && (load<u8>(r) == 0x22 || load<u8>(r) == 0x27 || load<u8>(r) == 0x60)) r++;
  }
  // The object before the dot / bracket (document?.cookie: optional chaining).
  let o = q;
  if (c == 0x2e && o > begin && load<u8>(o - 1) == 0x3f) o--;
  let b = o;
  while (b > begin && o - b < 10 && isAlpha(load<u8>(b - 1))) b--;
  const n = <i32>(o - b);
  let s = r;
  while (s < end && s - r < 16 && isAlpha(load<u8>(s))) s++;
  const m = <i32>(s - r);
  if (m == 0) return false;
  // Named in prose ("document.cookie tutorial", "how document.domain works"): a space or nothing on
  // both sides and a word after — no expression reads or assigns it.
  if (
    c == 0x2e &&
    s + 1 < end &&
    isProseGap(load<u8>(s)) &&
    isAlpha(load<u8>(s + 1)) &&
    o - begin >= 8 &&
    (o - 8 == begin || isProseGap(load<u8>(o - 9)) || load<u8>(o - 9) == 0x3d)
  )
    return false;
  // document.cookie names the session whatever is glued before it (a filter that deleted "<script>"
  // leaves "scriptdocument.cookie=...").
  if (o - begin >= 8 && startsWith(o - 8, o, "document") && m == 6 && startsWith(r, s, "cookie")) return true;
  if (b > begin && isWordByte(load<u8>(b - 1))) return false;
  const isDoc = n == 8 && startsWith(b, o, "document");
  const isWin = n == 6 && startsWith(b, o, "window");
  if (!isDoc && !isWin) return false;
  if (isWin)
    return (m == 8 && startsWith(r, s, "location")) || c == 0x5b || (m == 4 && startsWith(r, s, "open") && s < end && load<u8>(s) == 0x28);
  return JS_DOM.find(r, m) >= 0;
}

/** A space, or the '+' that stands for one in a query string or cookie. */
function isProseGap(c: u32): bool {
  return c == 0x20 || c == 0x2b;
}

/** CSS expression( after a property colon: `width: expression(alert(1))`. */
function cssExpression(begin: usize, q: usize, end: usize): bool {
  if (!startsWith(q, end, "expression")) return false;
  let r = q + 10;
  while (r < end && isSpaceByte(load<u8>(r))) r++;
  if (r >= end || load<u8>(r) != 0x28) return false;
  let b = q;
  while (b > begin && isSpaceByte(load<u8>(b - 1))) b--;
  return b > begin && (load<u8>(b - 1) == 0x3a || load<u8>(b - 1) == 0x2f);
}

/** behavior:/behaviour:/binding: followed by url( — CSS that loads script (HTC, XBL). */
function cssBinding(q: usize, end: usize): bool {
  let r: usize;
  if (startsWith(q, end, "behaviour")) r = q + 9;
  else if (startsWith(q, end, "behavior")) r = q + 8;
  else if (startsWith(q, end, "binding")) r = q + 7;
  else return false;
  while (r < end && isSpaceByte(load<u8>(r))) r++;
  if (r >= end || load<u8>(r) != 0x3a) return false;
  r++;
  while (r < end && isSpaceByte(load<u8>(r))) r++;
  return startsWith(r, end, "url(");
}
