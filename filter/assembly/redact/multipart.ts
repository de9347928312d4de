// multipart/form-data: the content of every part whose Content-Disposition `name` is a field name is
// hidden; a part declared as JSON, XML or a form is redacted by its own fields. The delimiter is found
// with a linear search, and a body cut short hides its last named part to the end.
import { indexOfFolded } from "./names";
import { Pattern } from "./search";
import { Target } from "./target";
import { redactJson } from "./json";
import { redactUrlEncoded } from "./url-encoded";
import { redactXml } from "./xml";

/** RFC 2046 allows 70 characters; the delimiter adds CR LF "--". */
const MAX_BOUNDARY = 70;
const delimiter = new Pattern(MAX_BOUNDARY + 4);
const BOUNDARY = memory.data(MAX_BOUNDARY + 4);

/**
 * Finds `boundary=` in a content type (the `len` bytes at `ptr`); returns its length with the
 * delimiter "\r\n--boundary" set up for the search, or 0 when there is none.
 */
function setBoundary(ptr: usize, len: i32): i32 {
  let i = indexOfFolded(ptr, 0, len, "boundary=");
  if (i < 0) return 0;
  i += 9;
  let end = i;
  if (i < len && load<u8>(ptr + i) == 0x22) {
    i++;
    end = i;
    while (end < len && load<u8>(ptr + end) != 0x22) end++;
  } else {
    while (end < len && load<u8>(ptr + end) != 0x3b && load<u8>(ptr + end) != 0x20) end++;
  }
  const n = end - i;
  if (n <= 0 || n > MAX_BOUNDARY) return 0;
  store<u8>(BOUNDARY, 0x0d);
  store<u8>(BOUNDARY + 1, 0x0a);
  store<u8>(BOUNDARY + 2, 0x2d);
  store<u8>(BOUNDARY + 3, 0x2d);
  memory.copy(BOUNDARY + 4, ptr + i, n);
  delimiter.set(BOUNDARY, n + 4);
  return n;
}

/** `contentType`: the body's Content-Type value. */
export function redactMultipart(t: Target, base: usize, start: i32, end: i32, contentType: usize, contentTypeLen: i32): void {
  if (t.fields.size == 0) return;
  const n = setBoundary(contentType, contentTypeLen);
  if (n == 0) return;
  // The first delimiter may open the body without the CR LF before it (`at` is then start - 2).
  let at = start - 2;
  if (end - start < n + 2 || !delimiter.matchesAt(base + start, 2, n + 2)) {
    at = delimiter.find(base, start, end);
    if (at < 0) return;
  }
  while (at < end) {
    let i = at + n + 4;
    // "--" after the delimiter closes the body.
    if (i + 1 < end && load<u8>(base + i) == 0x2d && load<u8>(base + i + 1) == 0x2d) return;
    // Part headers end at the first empty line.
    const headersStart = i;
    let bodyStart = end;
    while (i + 3 < end) {
      if (load<u32>(base + i) == 0x0a0d0a0d) {
        bodyStart = i + 4;
        break;
      }
      i++;
    }
    const headersEnd = bodyStart == end ? end : bodyStart - 4;
    const next = bodyStart < end ? delimiter.find(base, bodyStart, end) : -1;
    const bodyEnd = next < 0 ? end : next;
    if (bodyStart < end) redactPart(t, base, headersStart, headersEnd, bodyStart, bodyEnd);
    if (next < 0) return;
    at = next;
  }
}

function redactPart(t: Target, base: usize, hs: i32, he: i32, bs: i32, be: i32): void {
  const disposition = indexOfFolded(base, hs, he, "content-disposition:");
  if (disposition >= 0) {
    let lineEnd = disposition;
    while (lineEnd < he && load<u8>(base + lineEnd) != 0x0d) lineEnd++;
    // `name=` preceded by ';' or a space, not the end of `filename=`.
    let i = disposition + 20;
    while (i < lineEnd) {
      const at = indexOfFolded(base, i, lineEnd, "name=");
      if (at < 0) break;
      const before = load<u8>(base + at - 1);
      i = at + 5;
      if (before != 0x3b && before != 0x20 && before != 0x09) continue;
      let vs = i;
      let ve = i;
      if (vs < lineEnd && load<u8>(base + vs) == 0x22) {
        vs++;
        ve = vs;
        while (ve < lineEnd && load<u8>(base + ve) != 0x22) ve++;
      } else {
        while (ve < lineEnd && load<u8>(base + ve) != 0x3b) ve++;
      }
      if (t.fields.has(base + vs, ve - vs)) {
        t.hide(base, bs, be);
        return;
      }
      break;
    }
  }
  const type = indexOfFolded(base, hs, he, "content-type:");
  if (type < 0) return;
  let typeEnd = type;
  while (typeEnd < he && load<u8>(base + typeEnd) != 0x0d) typeEnd++;
  if (indexOfFolded(base, type, typeEnd, "json") >= 0) redactJson(t, base, bs, be);
  else if (indexOfFolded(base, type, typeEnd, "xml") >= 0) redactXml(t, base, bs, be);
  else if (indexOfFolded(base, type, typeEnd, "x-www-form-urlencoded") >= 0) redactUrlEncoded(t, base, bs, be);
}
