// Query strings as rules see them: '&'-separated pairs, names and values URL-decoded ('+' is a space).

import { hexValue } from "../encoding/hex";

/** One round of form URL decoding; invalid escapes are kept as they are. */
export function formDecode(s: string): string {
  if (s.indexOf("%") < 0 && s.indexOf("+") < 0) return s;
  const bytes = new Uint8Array(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x2b) {
      bytes[n++] = 0x20;
    } else if (c == 0x25 && i + 2 < s.length && hexValue(<u32>s.charCodeAt(i + 1)) >= 0 && hexValue(<u32>s.charCodeAt(i + 2)) >= 0) {
      bytes[n++] = <u8>((hexValue(<u32>s.charCodeAt(i + 1)) << 4) | hexValue(<u32>s.charCodeAt(i + 2)));
      i += 2;
    } else if (c < 0x80) {
      bytes[n++] = <u8>c;
    } else {
      const enc = Uint8Array.wrap(String.UTF8.encode(s.charAt(i)));
      for (let k = 0; k < enc.length; k++) bytes[n++] = enc[k];
    }
  }
  return String.UTF8.decodeUnsafe(bytes.dataStart, n);
}

/** The decoded value of the first parameter named `name`, or null when there is none. */
export function queryParam(query: string, name: string): string | null {
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf("&", start);
    if (end < 0) end = query.length;
    const pair = query.substring(start, end);
    const eq = pair.indexOf("=");
    const rawName = eq < 0 ? pair : pair.substring(0, eq);
    if (rawName.length > 0 && formDecode(rawName) == name) return eq < 0 ? "" : formDecode(pair.substring(eq + 1));
    start = end + 1;
  }
  return null;
}
