// The header and field names whose values redaction replaces, kept as lower-case bytes so a name on the
// wire is compared in place, ASCII case folded, without building a string.
import { DEFAULT_REDACT_FIELDS, DEFAULT_REDACT_HEADERS } from "./defaults";

/** Longest name compared; longer names on the wire cannot match and are not decoded. */
export const MAX_NAME_BYTES = 128;

export function lowerAscii(b: u32): u32 {
  return b - 0x41 < 26 ? b | 0x20 : b;
}

/** Index of the lower-case ASCII `s` in bytes [from, end) at `ptr`, ignoring case, or -1. For short texts. */
export function indexOfFolded(ptr: usize, from: i32, end: i32, s: string): i32 {
  const n = s.length;
  const chars = changetype<usize>(s);
  for (let i = from; i + n <= end; i++) {
    let k = 0;
    while (k < n && lowerAscii(<u32>load<u8>(ptr + i + k)) == <u32>load<u16>(chars + ((<usize>k) << 1))) k++;
    if (k == n) return i;
  }
  return -1;
}

/** A byte's bit in NameSet's filters: equal for the two cases of a letter (lowerAscii is `| 0x20` on letters). */
function foldBit(b: u32): u64 {
  return <u64>((b | 0x20) & 63);
}

export class NameSet {
  /**
   * The names, lower-cased, back to back and grouped by length: those of n bytes fill
   * [byLength[n], byLength[n + 1]). A candidate is compared only with the names of its own length, in
   * place, without an array access per name (this runs for every JSON key and header of every record).
   */
  private bytes: StaticArray<u8>;
  private byLength: StaticArray<i32>;
  /**
   * Per length, a bit per first and per last byte (folded, `(b | 0x20) & 63`) that some name of that
   * length has: most keys and headers on the wire are no name, and two loads tell so.
   */
  private firsts: StaticArray<u64>;
  private lasts: StaticArray<u64>;
  private count: i32;
  longest: i32;

  constructor(list: Array<string>) {
    const encoded = new Array<ArrayBuffer>();
    const byLength = new StaticArray<i32>(MAX_NAME_BYTES + 2);
    let total = 0;
    let longest = 0;
    for (let i = 0; i < list.length; i++) {
      const name = String.UTF8.encode(list[i].trim().toLowerCase());
      const len = name.byteLength;
      if (len == 0 || len > MAX_NAME_BYTES) continue;
      encoded.push(name);
      byLength[len + 1] += len;
      total += len;
      if (len > longest) longest = len;
    }
    for (let n = 1; n < byLength.length; n++) byLength[n] += byLength[n - 1];
    const firsts = new StaticArray<u64>(MAX_NAME_BYTES + 1);
    const lasts = new StaticArray<u64>(MAX_NAME_BYTES + 1);
    for (let i = 0; i < encoded.length; i++) {
      const name = changetype<usize>(encoded[i]);
      const len = encoded[i].byteLength;
      firsts[len] |= (<u64>1) << foldBit(load<u8>(name));
      lasts[len] |= (<u64>1) << foldBit(load<u8>(name + len - 1));
    }
    const all = new StaticArray<u8>(total);
    // Filled from each length's start; byLength[n] ends up at the start of length n + 1, then shifts back.
    const bytes = changetype<usize>(all);
    for (let i = 0; i < encoded.length; i++) {
      const name = encoded[i];
      const len = name.byteLength;
      memory.copy(bytes + <usize>byLength[len], changetype<usize>(name), <usize>len);
      byLength[len] += len;
    }
    for (let n = byLength.length - 1; n > 0; n--) byLength[n] = byLength[n - 1];
    byLength[0] = 0;
    this.bytes = all;
    this.byLength = byLength;
    this.firsts = firsts;
    this.lasts = lasts;
    this.count = encoded.length;
    this.longest = longest;
  }

  get size(): i32 {
    return this.count;
  }

  /** Whether the `len` bytes at `ptr` spell one of the names, ignoring ASCII case. */
  has(ptr: usize, len: i32): bool {
    if (len <= 0 || len > this.longest) return false;
    const leads = unchecked(this.firsts[len]) >> foldBit(load<u8>(ptr));
    if ((leads & (unchecked(this.lasts[len]) >> foldBit(load<u8>(ptr + len - 1))) & 1) == 0) return false;
    let o = unchecked(this.byLength[len]);
    const to = unchecked(this.byLength[len + 1]);
    if (o == to) return false;
    const bytes = changetype<usize>(this.bytes);
    const first = lowerAscii(<u32>load<u8>(ptr));
    for (; o < to; o += len) {
      const n = bytes + <usize>o;
      if (<u32>load<u8>(n) != first) continue;
      let j = 1;
      while (j < len && lowerAscii(<u32>load<u8>(ptr + j)) == <u32>load<u8>(n + j)) j++;
      if (j == len) return true;
    }
    return false;
  }

  hasString(s: string): bool {
    const bytes = String.UTF8.encode(s);
    return this.has(changetype<usize>(bytes), bytes.byteLength);
  }
}

/** What redaction applies to: the plugin's `redaction` setting, or the TME's variables in the engine. */
export class RedactionNames {
  headers: NameSet;
  fields: NameSet;

  constructor(headers: Array<string> = DEFAULT_REDACT_HEADERS, fields: Array<string> = DEFAULT_REDACT_FIELDS) {
    this.headers = new NameSet(headers);
    this.fields = new NameSet(fields);
  }
}
