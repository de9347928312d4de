// multipart/form-data, read part by part in one pass: each part's name, filename, content type and
// content as byte ranges of the body (nothing copied). Linear: a delimiter is only looked for at a line
// start and compared until the first differing byte, which never leaves that line.

import { BOUNDARY_MAX } from "./sniff";

export class MultipartReader {
  private q: usize = 0;
  private end: usize = 0;
  private bp: usize = 0;
  private bl: i32 = 0;
  private cut: bool = false;
  private done: bool = true;
  /** False once the body turned out not to be well-formed multipart (the caller inspects it as text). */
  valid: bool = false;

  /** The current part; a length of -1 means absent. */
  namePtr: usize = 0;
  nameLen: i32 = -1;
  filenamePtr: usize = 0;
  filenameLen: i32 = -1;
  typePtr: usize = 0;
  typeLen: i32 = -1;
  dataPtr: usize = 0;
  dataLen: i32 = 0;

  /**
   * Starts reading `len` bytes at `p` delimited by the boundary at `bp` (`bl` bytes); `cut`: the body
   * was cut at the inspection limit, so it may end inside a part. False when no delimiter opens a part.
   */
  start(p: usize, len: i32, bp: usize, bl: i32, cut: bool): bool {
    this.end = p + <usize>len;
    this.bp = bp;
    this.bl = bl;
    this.cut = cut;
    this.valid = false;
    this.done = true;
    if (bl <= 0 || bl > BOUNDARY_MAX) return false;
    // The first delimiter: at the start, or after a preamble, at a line start.
    let ls = p;
    while (ls < this.end) {
      const after = this.delimiterAt(ls);
      if (after != 0) {
        if (this.closing(ls)) return false; // no part at all
        this.q = after;
        this.valid = true;
        this.done = false;
        return true;
      }
      while (ls < this.end && load<u8>(ls) != 0x0a) ls++;
      ls++;
    }
    return false;
  }

  /** Reads the next part; false at the end of the body, or when it is malformed (`valid` is then false). */
  next(): bool {
    if (this.done) return false;
    this.nameLen = -1;
    this.filenameLen = -1;
    this.typeLen = -1;
    this.dataLen = 0;
    const end = this.end;
    // Part headers, up to an empty line.
    let q = this.q;
    while (true) {
      if (q >= end) return this.stop();
      let le = q;
      while (le < end && load<u8>(le) != 0x0a) le++;
      if (le >= end) return this.stop();
      let lineEnd = le;
      if (lineEnd > q && load<u8>(lineEnd - 1) == 0x0d) lineEnd--;
      if (lineEnd == q) {
        q = le + 1;
        break;
      }
      this.header(q, lineEnd);
      q = le + 1;
    }
    // Content, up to the CRLF before the next delimiter.
    const cs = q;
    let ls = cs;
    while (ls <= end) {
      const after = ls < end ? this.delimiterAt(ls) : 0;
      if (after != 0) {
        let ce = ls;
        if (ce > cs && load<u8>(ce - 1) == 0x0a) ce--;
        if (ce > cs && load<u8>(ce - 1) == 0x0d) ce--;
        this.dataPtr = cs;
        this.dataLen = <i32>(ce - cs);
        if (this.closing(ls)) this.done = true;
        this.q = after;
        return true;
      }
      while (ls < end && load<u8>(ls) != 0x0a) ls++;
      ls++;
    }
    // No closing delimiter: a cut body ends in its last part; otherwise this is not multipart.
    if (!this.cut) return this.stop();
    this.dataPtr = cs;
    this.dataLen = <i32>(end - cs);
    this.done = true;
    return true;
  }

  private stop(): bool {
    this.done = true;
    if (!this.cut) this.valid = false;
    return false;
  }

  /** At line start `ls`: "--" boundary, then "--" or padding and a line end; returns what follows it, or 0. */
  private delimiterAt(ls: usize): usize {
    const end = this.end;
    if (ls + 2 + <usize>this.bl > end || load<u16>(ls) != 0x2d2d) return 0;
    const b = ls + 2;
    for (let i = 0; i < this.bl; i++) {
      if (load<u8>(b + i) != load<u8>(this.bp + i)) return 0;
    }
    let r = b + <usize>this.bl;
    if (r + 1 < end && load<u16>(r) == 0x2d2d) return r + 2;
    if (r >= end) return this.cut ? end : 0;
    while (r < end && (load<u8>(r) == 0x20 || load<u8>(r) == 0x09)) r++;
    if (r < end && load<u8>(r) == 0x0d) r++;
    if (r < end && load<u8>(r) == 0x0a) return r + 1;
    return r >= end ? end : 0;
  }

  private closing(ls: usize): bool {
    const r = ls + 2 + <usize>this.bl;
    return r + 1 < this.end && load<u16>(r) == 0x2d2d;
  }

  /** One part header line [s, e): Content-Disposition's name and filename, and Content-Type. */
  private header(s: usize, e: usize): void {
    let colon = s;
    while (colon < e && load<u8>(colon) != 0x3a) colon++;
    if (colon >= e) return;
    const nl = <i32>(colon - s);
    let v = colon + 1;
    while (v < e && (load<u8>(v) == 0x20 || load<u8>(v) == 0x09)) v++;
    let ve = e;
    while (ve > v && (load<u8>(ve - 1) == 0x20 || load<u8>(ve - 1) == 0x09)) ve--;
    if (nl == 12 && asciiEq(s, "content-type")) {
      this.typePtr = v;
      this.typeLen = <i32>(ve - v);
    } else if (nl == 19 && asciiEq(s, "content-disposition")) {
      this.disposition(v, ve);
    }
  }

  /** `form-data; name="a"; filename="b.txt"`: quoted (with \-escapes) or bare values. */
  private disposition(s: usize, e: usize): void {
    let q = s;
    while (q < e && load<u8>(q) != 0x3b) q++;
    while (q < e) {
      q++; // past ';'
      while (q < e && (load<u8>(q) == 0x20 || load<u8>(q) == 0x09)) q++;
      const ns = q;
      while (q < e && load<u8>(q) != 0x3d && load<u8>(q) != 0x3b) q++;
      let ne = q;
      while (ne > ns && (load<u8>(ne - 1) == 0x20 || load<u8>(ne - 1) == 0x09)) ne--;
      if (q >= e || load<u8>(q) == 0x3b) continue;
      q++; // past '='
      while (q < e && (load<u8>(q) == 0x20 || load<u8>(q) == 0x09)) q++;
      let vs = q;
      let vl = 0;
      if (q < e && load<u8>(q) == 0x22) {
        vs = ++q;
        while (q < e && load<u8>(q) != 0x22) q += load<u8>(q) == 0x5c ? 2 : 1;
        if (q > e) q = e;
        vl = <i32>(q - vs);
        while (q < e && load<u8>(q) != 0x3b) q++;
      } else {
        while (q < e && load<u8>(q) != 0x3b) q++;
        let ve = q;
        while (ve > vs && (load<u8>(ve - 1) == 0x20 || load<u8>(ve - 1) == 0x09)) ve--;
        vl = <i32>(ve - vs);
      }
      const n = <i32>(ne - ns);
      if (n == 4 && asciiEq(ns, "name")) {
        this.namePtr = vs;
        this.nameLen = vl;
      } else if ((n == 8 && asciiEq(ns, "filename")) || (n == 9 && asciiEq(ns, "filename*"))) {
        // filename* (RFC 5987, charset''percent-encoded) is what most servers prefer when both are sent.
        if (this.filenameLen < 0 || n == 9) {
          this.filenamePtr = vs;
          this.filenameLen = vl;
        }
      }
    }
  }
}

/** Whether the bytes at `p` equal the lower-case ASCII `s`, ignoring case. */
function asciiEq(p: usize, s: string): bool {
  const sp = changetype<usize>(s);
  for (let i = 0; i < s.length; i++) {
    let c = <u32>load<u8>(p + i);
    if (c - 0x41 < 26) c |= 0x20;
    if (c != <u32>load<u16>(sp + ((<usize>i) << 1))) return false;
  }
  return true;
}
