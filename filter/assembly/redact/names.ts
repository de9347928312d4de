// The header and field names whose values redaction replaces, kept as lower-case bytes so a name on the
// wire is compared in place, ASCII case folded, without building a string.
import { DEFAULT_REDACT_FIELDS, DEFAULT_REDACT_HEADERS } from "./defaults";

/** Longest name compared; longer names on the wire cannot match and are not decoded. */
export const MAX_NAME_BYTES = 128;

@inline export function lowerAscii(b: u32): u32 {
  return b - 0x41 < 26 ? b | 0x20 : b;
}

/** Index of the lower-case ASCII `s` in bytes [from, end) at `ptr`, ignoring case, or -1. For short texts. */
export function indexOfFolded(ptr: usize, from: i32, end: i32, s: string): i32 {
  const n = s.length;
  for (let i = from; i + n <= end; i++) {
    let k = 0;
    while (k < n && lowerAscii(<u32>load<u8>(ptr + i + k)) == <u32>s.charCodeAt(k)) k++;
    if (k == n) return i;
  }
  return -1;
}

export class NameSet {
  private names: Array<ArrayBuffer> = [];
  /** Bit n set when some name is n bytes long (n < 64): most candidate lengths are ruled out at once. */
  private lengths: u64 = 0;
  longest: i32 = 0;

  constructor(list: Array<string>) {
    for (let i = 0; i < list.length; i++) {
      const name = String.UTF8.encode(list[i].trim().toLowerCase());
      const len = name.byteLength;
      if (len == 0 || len > MAX_NAME_BYTES) continue;
      this.names.push(name);
      if (len < 64) this.lengths |= (<u64>1) << <u64>len;
      if (len > this.longest) this.longest = len;
    }
  }

  get size(): i32 {
    return this.names.length;
  }

  /** Whether the `len` bytes at `ptr` spell one of the names, ignoring ASCII case. */
  has(ptr: usize, len: i32): bool {
    if (len <= 0 || len > this.longest) return false;
    if (len < 64 && (this.lengths & ((<u64>1) << <u64>len)) == 0) return false;
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      const name = unchecked(names[i]);
      if (name.byteLength != len) continue;
      const n = changetype<usize>(name);
      let j = 0;
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
