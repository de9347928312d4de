// Header maps as the proxy-wasm host serialises them: a u32 count, then a (name length, value length)
// u32 pair per header, then each name and value followed by a NUL. We keep the host's buffer and index
// into it, so reading every header costs one host call and no per-header allocation.

export class HeaderList {
  readonly raw: ArrayBuffer;
  readonly count: i32;
  // Name offset, name length, value offset, value length per header: four i32 each, read without
  // bounds checks (indices below `count`, checked against the buffer by the constructor).
  private offsets: ArrayBuffer;

  constructor(raw: ArrayBuffer) {
    this.raw = raw;
    const size = raw.byteLength;
    const base = changetype<usize>(raw);
    let count = size >= 4 ? <i32>load<u32>(base) : 0;
    // A count the buffer cannot hold means a malformed map: treat it as empty rather than read past it.
    if (count < 0 || 4 + <i64>count * 8 > <i64>size) count = 0;
    const offsets = new ArrayBuffer(count << 4);
    const at = changetype<usize>(offsets);
    let data = 4 + count * 8;
    for (let i = 0; i < count; i++) {
      const nameLen = <i32>load<u32>(base + 4 + ((<usize>i) << 3));
      const valueLen = <i32>load<u32>(base + 8 + ((<usize>i) << 3));
      if (<i64>data + nameLen + valueLen + 2 > <i64>size) {
        count = i;
        break;
      }
      const o = at + ((<usize>i) << 4);
      store<i32>(o, data);
      store<i32>(o, nameLen, 4);
      data += nameLen + 1;
      store<i32>(o, data, 8);
      store<i32>(o, valueLen, 12);
      data += valueLen + 1;
    }
    this.count = count;
    this.offsets = offsets;
  }

  /** One shared empty list: a placeholder costs no allocation per request. */
  static empty(): HeaderList {
    return EMPTY;
  }

  // Callers pass indices below `count`, which the constructor checked against the buffer.
  @inline private slot(i: i32): usize {
    return changetype<usize>(this.offsets) + ((<usize>i) << 4);
  }
  @inline namePtr(i: i32): usize {
    return changetype<usize>(this.raw) + <usize>load<i32>(this.slot(i));
  }
  @inline nameLength(i: i32): i32 {
    return load<i32>(this.slot(i), 4);
  }
  @inline valuePtr(i: i32): usize {
    return changetype<usize>(this.raw) + <usize>load<i32>(this.slot(i), 8);
  }
  @inline valueLength(i: i32): i32 {
    return load<i32>(this.slot(i), 12);
  }

  @inline isPseudo(i: i32): bool {
    return this.nameLength(i) > 0 && load<u8>(this.namePtr(i)) == 0x3a;
  }

  /** Index of the first header named `name` (ASCII, lower-case: hosts lower-case header names), or -1. */
  indexOf(name: string): i32 {
    const len = name.length;
    if (len == 0) return -1;
    const src = changetype<usize>(name);
    // The first and last bytes tell most names of the same length apart (":method", ":scheme").
    const first = <u32>load<u16>(src);
    const last = <u32>load<u16>(src + ((<usize>(len - 1)) << 1));
    const raw = changetype<usize>(this.raw);
    let slot = changetype<usize>(this.offsets);
    for (let i = 0; i < this.count; i++, slot += 16) {
      if (load<i32>(slot, 4) != len) continue;
      const p = raw + <usize>load<i32>(slot);
      if (<u32>load<u8>(p) != first || <u32>load<u8>(p + <usize>(len - 1)) != last) continue;
      let j = 1;
      while (j < len && <u32>load<u8>(p + <usize>j) == <u32>load<u16>(src + ((<usize>j) << 1))) j++;
      if (j >= len) return i;
    }
    return -1;
  }

  value(i: i32): string {
    return String.UTF8.decodeUnsafe(this.valuePtr(i), this.valueLength(i));
  }

  /** The first value of `name`, or "" when absent. */
  get(name: string): string {
    const i = this.indexOf(name);
    return i < 0 ? "" : this.value(i);
  }

  has(name: string): bool {
    return this.indexOf(name) >= 0;
  }
}

const EMPTY = new HeaderList(new ArrayBuffer(0));

/** Serialises pairs the way the host does; used by tests and by callouts we build ourselves. */
export function serializeHeaders(names: Array<string>, values: Array<string>): ArrayBuffer {
  const n = names.length;
  const encodedNames = new Array<ArrayBuffer>(n);
  const encodedValues = new Array<ArrayBuffer>(n);
  let size = 4 + n * 8;
  for (let i = 0; i < n; i++) {
    encodedNames[i] = String.UTF8.encode(names[i]);
    encodedValues[i] = String.UTF8.encode(values[i]);
    size += encodedNames[i].byteLength + encodedValues[i].byteLength + 2;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, n);
  let data = base + 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const name = encodedNames[i];
    const value = encodedValues[i];
    store<u32>(base + 4 + ((<usize>i) << 3), name.byteLength);
    store<u32>(base + 8 + ((<usize>i) << 3), value.byteLength);
    memory.copy(data, changetype<usize>(name), name.byteLength);
    data += name.byteLength;
    store<u8>(data++, 0);
    memory.copy(data, changetype<usize>(value), value.byteLength);
    data += value.byteLength;
    store<u8>(data++, 0);
  }
  return out;
}
