// XML element text and attribute values by element or attribute name (the local name, after any
// namespace prefix), in one forward pass: the content of a named element up to its closing tag, CDATA
// included, and the value of a named attribute are hidden. Comments, processing instructions and
// declarations are skipped. No stack: nesting depth costs nothing.
import { Mark } from "./marks";
import { NameSet } from "./names";
import { Target } from "./target";

function isSpace(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

function isNameEnd(c: u32): bool {
  return isSpace(c) || c == 0x3e || c == 0x2f || c == 0x3d;
}

/** The index of the first occurrence of the ASCII `marker` (2-3 bytes) at or after `i`, or `end`. */
function findMarker(base: usize, i: i32, end: i32, a: u8, b: u8, c: u8): i32 {
  const n = c == 0 ? 2 : 3;
  while (i + n <= end) {
    if (load<u8>(base + i) == a && load<u8>(base + i + 1) == b && (n == 2 || load<u8>(base + i + 2) == c)) return i;
    i++;
  }
  return end;
}

function startsWith(base: usize, i: i32, end: i32, s: string): bool {
  const n = s.length;
  if (i + n > end) return false;
  for (let k = 0; k < n; k++) {
    if (<u32>load<u8>(base + i + k) != <u32>s.charCodeAt(k)) return false;
  }
  return true;
}

/** Whether the name [start, end) is a field name by its local part. */
function localNamed(fields: NameSet, base: usize, start: i32, end: i32): bool {
  let s = start;
  for (let i = start; i < end; i++) if (load<u8>(base + i) == 0x3a) s = i + 1;
  return fields.has(base + s, end - s);
}

export function redactXml(t: Target, base: usize, start: i32, end: i32): void {
  if (t.fields.size == 0) return;
  let i = start;
  while (i < end) {
    if (load<u8>(base + i) != 0x3c) {
      i++;
      continue;
    }
    if (startsWith(base, i, end, "<!--")) {
      i = findMarker(base, i + 4, end, 0x2d, 0x2d, 0x3e) + 3;
      continue;
    }
    if (startsWith(base, i, end, "<![CDATA[")) {
      i = findMarker(base, i + 9, end, 0x5d, 0x5d, 0x3e) + 3;
      continue;
    }
    if (i + 1 < end) {
      const c = load<u8>(base + i + 1);
      if (c == 0x21 || c == 0x3f || c == 0x2f) {
        while (i < end && load<u8>(base + i) != 0x3e) i++;
        i++;
        continue;
      }
    }
    i = openTag(t, base, i, end);
  }
}

/** Reads the start tag at `lt`, hiding named attribute values and a named element's content. */
function openTag(t: Target, base: usize, lt: i32, end: i32): i32 {
  let i = lt + 1;
  const nameStart = i;
  while (i < end && !isNameEnd(<u32>load<u8>(base + i))) i++;
  const nameEnd = i;
  const named = nameEnd > nameStart && localNamed(t.fields, base, nameStart, nameEnd);
  // Attributes: name = "value" | 'value', until '>' (quotes may hold '>').
  let selfClosing = false;
  while (i < end) {
    const c = <u32>load<u8>(base + i);
    if (c == 0x3e) break;
    if (c == 0x2f) {
      selfClosing = true;
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    selfClosing = false;
    const attrStart = i;
    while (i < end && !isNameEnd(<u32>load<u8>(base + i))) i++;
    const attrEnd = i;
    while (i < end && isSpace(<u32>load<u8>(base + i))) i++;
    if (i < end && load<u8>(base + i) == 0x3d) {
      i++;
      while (i < end && isSpace(<u32>load<u8>(base + i))) i++;
      if (i < end) {
        const q = load<u8>(base + i);
        if (q == 0x22 || q == 0x27) {
          let close = i + 1;
          while (close < end && load<u8>(base + close) != q) close++;
          if (attrEnd > attrStart && localNamed(t.fields, base, attrStart, attrEnd)) t.hide(base, i + 1, close, Mark.Text);
          i = close + 1;
        }
      }
    } else if (attrEnd == attrStart) {
      i++; // a stray byte such as '=' or a quote: move on
    }
  }
  if (i >= end) return end;
  const contentStart = i + 1;
  if (!named || selfClosing) return contentStart;
  // The content runs to the next end tag of the same name; nested elements in it are hidden too.
  const close = closingTag(base, contentStart, end, nameStart, nameEnd - nameStart);
  let from = contentStart;
  let to = close;
  if (startsWith(base, from, to, "<![CDATA[")) {
    from += 9;
    const cdataEnd = findMarker(base, from, to, 0x5d, 0x5d, 0x3e);
    if (cdataEnd < to) to = cdataEnd;
  }
  t.hide(base, from, to, Mark.Text);
  return close;
}

/** The index of `</name` after `i`, or `end` when the element is cut short. */
function closingTag(base: usize, i: i32, end: i32, name: i32, nameLen: i32): i32 {
  while (i + 1 < end) {
    if (load<u8>(base + i) == 0x3c && load<u8>(base + i + 1) == 0x2f) {
      let k = 0;
      while (k < nameLen && i + 2 + k < end && load<u8>(base + i + 2 + k) == load<u8>(base + name + k)) k++;
      if (k == nameLen && (i + 2 + k >= end || isNameEnd(<u32>load<u8>(base + i + 2 + k)))) return i;
    }
    i++;
  }
  return end;
}
