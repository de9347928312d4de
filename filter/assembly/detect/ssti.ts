// Server-side template injection: template delimiters of the common engines ({{ }}, ${ }, #{ }, <%= %>,
// {% %}, <#...>, #set/#foreach) whose content is an expression a value never needs: arithmetic between
// literals ({{7*7}}, ${3*3}), Python object walking (__class__, __mro__, __subclasses__, |attr),
// engine internals (config, self, request, lipsum, cycler...), Java class access (getClass(),
// T(java...), freemarker Execute, new()), or a closed Jinja/Twig/Liquid statement that loops, assigns or
// loads ({% for x in y %}, {% set %}, {% import %}). Each delimiter opens a window of at most 128 bytes.

import { Hit, B_SSTI } from "./types";
import { Lexicon } from "./lexicon";
import { isDigit, isSpaceByte, isWordByte, startsWith } from "./bytes";

const WINDOW = 128;

export const MARKERS = new Lexicon().add(
  "__class__ __mro__ __subclasses__ __globals__ __builtins__ __init__ __import__ __base__ __bases__ " +
    "|attr getclass( forname( .getruntime t(java. freemarker. ?new( .execute( lipsum. cycler. joiner. " +
    "namespace. request.application request.args config.items self._ self.template self.module " +
    "self.context self.attr settings.secret_key .mro( subclasses( url_for. get_flashed_messages " +
    "_self.env registerundefinedfiltercallback getfilter( class.module .classloader @java.lang " +
    "new java. java.lang.runtime popen( os.system os.popen .system( |filter( .read() config.__ " +
    "request|attr request.__ range(",
  1,
);

/** Looks for template injection in normalised bytes; fills `hit` and returns true on a hit. */
export function detectSsti(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  valueEnd = end;
  markers.reset();
  braces.reset();
  tagEnds.reset();
  for (let q = p; q + 1 < end; q++) {
    const c = <u32>load<u8>(q);
    const d = <u32>load<u8>(q + 1);
    let open = 0;
    if (c == 0x7b && (d == 0x7b || d == 0x25))
      open = 2; // {{ {%
    else if ((c == 0x24 || c == 0x23 || c == 0x2a || c == 0x40) && d == 0x7b)
      open = 2; // ${ #{ *{ @{
    else if (c == 0x3c && d == 0x25)
      open = 2; // <%
    else if (c == 0x3c && d == 0x23 && startsWith(q, end, "<#assign")) return hit.set(B_SSTI, "ssti.freemarker", <i32>(q - p));
    else if (c == 0x23 && (startsWith(q, end, "#set(") || startsWith(q, end, "#foreach(") || startsWith(q, end, "#evaluate(")))
      return hit.set(B_SSTI, "ssti.velocity", <i32>(q - p));
    if (open == 0) continue;
    const s = q + 2;
    const limit = s + WINDOW < end ? s + WINDOW : end;
    if (c == 0x7b && d == 0x25 && statementIn(s, limit)) return hit.set(B_SSTI, "ssti.statement", <i32>(q - p));
    if (expressionIn(s, limit, c)) return hit.set(B_SSTI, "ssti.expression", <i32>(q - p));
    q = s - 1;
  }
  return false;
}

/**
 * Bytes the window scans examined since the last reset: what the memos below bound (a test reads it).
 * Without them a delimiter every two bytes re-scanned its whole 128-byte window: 64 reads a byte.
 */
export let sstiSteps: i32 = 0;

export function resetSstiSteps(): void {
  sstiSteps = 0;
}

const K_MARKER = 0;
const K_BRACE = 1;
const K_TAG_END = 2;

/**
 * Where the next position of one kind lies, remembered across the overlapping windows of one value:
 * none in [from, to), and `to` is one when `found`. Windows start further on each time, so each byte
 * is examined about once per kind instead of once per window that covers it.
 */
class NextOf {
  from: usize = 0;
  to: usize = 0;
  found: bool = false;
  constructor(readonly kind: i32) {}

  reset(): void {
    this.from = 0;
    this.to = 0;
    this.found = false;
  }

  /** The first position of this kind in [x, lim), or lim. */
  first(x: usize, lim: usize, end: usize): usize {
    if (x >= lim) return lim;
    if (x < this.from || x > this.to) {
      this.from = x;
      this.to = x;
      this.found = false;
    }
    if (!this.found && this.to < lim) {
      let q = this.to;
      while (q < lim && !isAt(this.kind, q, end)) q++;
      sstiSteps += <i32>(q - this.to);
      this.to = q;
      this.found = q < lim;
    }
    return this.to < lim ? this.to : lim;
  }
}

/**
 * K_MARKER: a marker fits before `end` and may start here (not inside a word, unless it opens with
 * `_ . | (`); a window accepts it when it also fits before the window's end. K_BRACE: `}`. K_TAG_END:
 * `%}` (the caller keeps q + 1 inside the value).
 */
function isAt(kind: i32, q: usize, end: usize): bool {
  const c = <u32>load<u8>(q);
  if (kind == K_BRACE) return c == 0x7d;
  if (kind == K_TAG_END) return c == 0x25 && load<u8>(q + 1) == 0x7d;
  if (!MARKERS.hasFirst(c)) return false;
  if (isWordByte(load<u8>(q - 1)) && c != 0x5f && c != 0x2e && c != 0x7c && c != 0x28) return false;
  return MARKERS.prefixAt(q, end) >= 0;
}

const markers = new NextOf(K_MARKER);
const braces = new NextOf(K_BRACE);
const tagEnds = new NextOf(K_TAG_END);
let valueEnd: usize = 0;

export const STATEMENTS = new Lexicon().add("for set import include macro extends from call filter with", 1);

/** After "{%": a statement keyword, and the "%}" that closes the tag inside the window. */
function statementIn(s: usize, e: usize): bool {
  let r = s;
  while (r < e && (isSpaceByte(load<u8>(r)) || load<u8>(r) == 0x2d)) r++; // {%- trims whitespace
  const w = r;
  while (r < e && r - w <= 8 && isWordByte(load<u8>(r))) r++;
  if (r == w || r >= e || !isSpaceByte(load<u8>(r)) || STATEMENTS.find(w, <i32>(r - w)) < 0) return false;
  return tagEnds.first(r, e - 1, valueEnd) < e - 1;
}

/** Whether the window after a delimiter holds arithmetic on literals or a marker of object walking. */
function expressionIn(s: usize, e: usize, opener: u32): bool {
  let r = s;
  while (r < e && (isSpaceByte(load<u8>(r)) || load<u8>(r) == 0x3d)) r++; // {{= and <%=
  // literal op literal: 7*7, 7*'7', 3+3
  if (r < e && isDigit(load<u8>(r))) {
    let t = r;
    while (t < e && isDigit(load<u8>(t))) t++;
    while (t < e && isSpaceByte(load<u8>(t))) t++;
    if (t < e && (load<u8>(t) == 0x2a || load<u8>(t) == 0x2b || load<u8>(t) == 0x2f || load<u8>(t) == 0x2d || load<u8>(t) == 0x25)) {
      t++;
      while (t < e && (isSpaceByte(load<u8>(t)) || load<u8>(t) == 0x27 || load<u8>(t) == 0x22)) t++;
      if (t < e && isDigit(load<u8>(t))) {
        while (t < e && isDigit(load<u8>(t))) t++;
        while (t < e && (isSpaceByte(load<u8>(t)) || load<u8>(t) == 0x27 || load<u8>(t) == 0x22)) t++;
        // closed by the matching delimiter (or the value ends)
        if (t >= e || load<u8>(t) == 0x7d || load<u8>(t) == 0x25) return true;
      }
    }
  }
  // `}` closes ${ #{ *{ @{ (not {{ or <%): a marker must start before it, though it may run past it.
  const lim = opener != 0x7b && opener != 0x3c ? braces.first(r, e, valueEnd) : e;
  if (r >= lim) return false;
  // Right after the delimiter a marker needs no word boundary.
  if (MARKERS.hasFirst(load<u8>(r)) && MARKERS.prefixAt(r, e) >= 0) return true;
  for (let q = markers.first(r + 1, lim, valueEnd); q < lim; q = markers.first(q + 1, lim, valueEnd)) {
    if (MARKERS.prefixAt(q, e) >= 0) return true;
  }
  return false;
}
