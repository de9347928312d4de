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

const MARKERS = new Lexicon().add(
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
    // Windows may overlap, but each starts at a delimiter and is bounded: linear in practice.
    q = s - 1;
  }
  return false;
}

const STATEMENTS = new Lexicon().add("for set import include macro extends from call filter with", 1);

/** After "{%": a statement keyword, and the "%}" that closes the tag inside the window. */
function statementIn(s: usize, e: usize): bool {
  let r = s;
  while (r < e && (isSpaceByte(load<u8>(r)) || load<u8>(r) == 0x2d)) r++; // {%- trims whitespace
  const w = r;
  while (r < e && r - w <= 8 && isWordByte(load<u8>(r))) r++;
  if (r == w || r >= e || !isSpaceByte(load<u8>(r)) || STATEMENTS.find(w, <i32>(r - w)) < 0) return false;
  for (; r + 1 < e; r++) if (load<u8>(r) == 0x25 && load<u8>(r + 1) == 0x7d) return true;
  return false;
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
  for (let q = r; q < e; q++) {
    const c = load<u8>(q);
    if (c == 0x7d && opener != 0x7b && opener != 0x3c) break;
    if (MARKERS.hasFirst(c) && MARKERS.prefixAt(q, e) >= 0) {
      if (q == r || !isWordByte(load<u8>(q - 1)) || c == 0x5f || c == 0x2e || c == 0x7c || c == 0x28) return true;
    }
  }
  return false;
}
