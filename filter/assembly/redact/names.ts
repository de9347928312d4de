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

// A NameSet's table, one block: per length n ≤ MAX_NAME_BYTES, a u64 of the first bytes and one of the
// last bytes its names have (FIRSTS, LASTS); the start of the names of each length (STARTS, i32); then
// the names, lower-cased, back to back and grouped by length: those of n bytes fill
// [STARTS[n], STARTS[n + 1]) of NAMES.
const FIRSTS: usize = 0;
const LASTS: usize = FIRSTS + 8 * (MAX_NAME_BYTES + 1);
const STARTS: usize = LASTS + 8 * (MAX_NAME_BYTES + 1);
const NAMES: usize = STARTS + 4 * (MAX_NAME_BYTES + 2);

/**
 * Whether the `len` bytes at `ptr` spell one of the names of the table at `table`, ignoring ASCII case.
 * Most keys and headers on the wire are no name, and the first/last-byte sets tell so in two loads; a
 * candidate is compared only with the names of its own length, in place. Only addresses, no object:
 * no shadow-stack frame per call (this runs for every JSON key and header of every record).
 */
function tableHas(table: usize, longest: i32, ptr: usize, len: i32): bool {
  if (len <= 0 || len > longest) return false;
  const row = table + ((<usize>len) << 3);
  const leads = load<u64>(row + FIRSTS) >> foldBit(load<u8>(ptr));
  if ((leads & (load<u64>(row + LASTS) >> foldBit(load<u8>(ptr + len - 1))) & 1) == 0) return false;
  let o = load<i32>(table + STARTS + ((<usize>len) << 2));
  const to = load<i32>(table + STARTS + ((<usize>(len + 1)) << 2));
  const names = table + NAMES;
  const first = lowerAscii(<u32>load<u8>(ptr));
  for (; o < to; o += len) {
    const n = names + <usize>o;
    if (<u32>load<u8>(n) != first) continue;
    let j = 1;
    while (j < len && lowerAscii(<u32>load<u8>(ptr + j)) == <u32>load<u8>(n + j)) j++;
    if (j == len) return true;
  }
  return false;
}

export class NameSet {
  /** The table tableHas reads (layout above), held here for the collector; read through its address (`at`): objects do not move. */
  readonly table: StaticArray<u8>;
  private at: usize;
  private count: i32;
  longest: i32;

  constructor(list: Array<string>) {
    const encoded = new Array<ArrayBuffer>();
    let total = 0;
    let longest = 0;
    for (let i = 0; i < list.length; i++) {
      const name = String.UTF8.encode(list[i].trim().toLowerCase());
      const len = name.byteLength;
      if (len == 0 || len > MAX_NAME_BYTES) continue;
      encoded.push(name);
      total += len;
      if (len > longest) longest = len;
    }
    const table = new StaticArray<u8>(<i32>NAMES + total);
    const at = changetype<usize>(table);
    // Bytes of each length first, summed into starts; each length's start then advances as its names
    // are copied, and ends at the next one's: shifted back by one length.
    const starts = at + STARTS;
    for (let i = 0; i < encoded.length; i++) {
      const len = encoded[i].byteLength;
      store<i32>(starts + ((<usize>(len + 1)) << 2), load<i32>(starts + ((<usize>(len + 1)) << 2)) + len);
    }
    for (let n = 1; n < MAX_NAME_BYTES + 2; n++) {
      store<i32>(starts + ((<usize>n) << 2), load<i32>(starts + ((<usize>n) << 2)) + load<i32>(starts + ((<usize>(n - 1)) << 2)));
    }
    for (let i = 0; i < encoded.length; i++) {
      const name = changetype<usize>(encoded[i]);
      const len = encoded[i].byteLength;
      const row = at + ((<usize>len) << 3);
      store<u64>(row + FIRSTS, load<u64>(row + FIRSTS) | ((<u64>1) << foldBit(load<u8>(name))));
      store<u64>(row + LASTS, load<u64>(row + LASTS) | ((<u64>1) << foldBit(load<u8>(name + len - 1))));
      const slot = starts + ((<usize>len) << 2);
      memory.copy(at + NAMES + <usize>load<i32>(slot), name, <usize>len);
      store<i32>(slot, load<i32>(slot) + len);
    }
    for (let n = MAX_NAME_BYTES + 1; n > 0; n--) store<i32>(starts + ((<usize>n) << 2), load<i32>(starts + ((<usize>(n - 1)) << 2)));
    store<i32>(starts, 0);
    this.table = table;
    this.at = at;
    this.count = encoded.length;
    this.longest = longest;
  }

  get size(): i32 {
    return this.count;
  }

  /** Whether the `len` bytes at `ptr` spell one of the names, ignoring ASCII case. */
  @inline has(ptr: usize, len: i32): bool {
    return tableHas(this.at, this.longest, ptr, len);
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
