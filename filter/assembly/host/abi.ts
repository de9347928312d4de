// Thin wrappers over the raw proxy-wasm imports, for the calls where the SDK's own wrappers abort on
// a missing value or allocate more than we need.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { WasmResultValues, HeaderMapTypeValues, BufferTypeValues } from "@solo-io/proxy-runtime/assembly/runtime";

// Out-parameters for host calls that return a buffer: the host writes a pointer it got from our
// `malloc` (pinned) and a size.
const OUT_PTR = memory.data(8);
const OUT_SIZE = memory.data(8);
const OUT_U64 = memory.data(8);

function takeHostBuffer(): ArrayBuffer {
  const ptr = load<usize>(OUT_PTR);
  if (ptr == 0) return new ArrayBuffer(0);
  const buf = changetype<ArrayBuffer>(ptr);
  __unpin(ptr);
  return buf;
}

function resetOut(): void {
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
}

export function headerPairs(map: HeaderMapTypeValues): ArrayBuffer {
  resetOut();
  if (imports.proxy_get_header_map_pairs(map, OUT_PTR, OUT_SIZE) != WasmResultValues.Ok) return new ArrayBuffer(0);
  return takeHostBuffer();
}

export function bufferBytes(buffer: BufferTypeValues, start: u32, length: u32): ArrayBuffer {
  resetOut();
  if (imports.proxy_get_buffer_bytes(buffer, start, length, OUT_PTR, OUT_SIZE) != WasmResultValues.Ok) return new ArrayBuffer(0);
  return takeHostBuffer();
}

/** A property path, encoded once: properties are read on every request. */
export class PropertyPath {
  readonly bytes: ArrayBuffer;

  /** `path` is NUL-separated, e.g. "source\0address". */
  constructor(path: string) {
    this.bytes = String.UTF8.encode(path);
  }
}

/** A property's value, or null when the host has none. */
export function property(path: PropertyPath): ArrayBuffer | null {
  const key = path.bytes;
  resetOut();
  if (imports.proxy_get_property(changetype<usize>(key), key.byteLength, OUT_PTR, OUT_SIZE) != WasmResultValues.Ok) return null;
  return takeHostBuffer();
}

export function propertyString(path: PropertyPath): string {
  const v = property(path);
  return v === null ? "" : String.UTF8.decode(v);
}

/** Integer properties come back as 8 little-endian bytes. */
export function propertyInt(path: PropertyPath): i64 {
  const v = property(path);
  if (v === null || v.byteLength < 8) return 0;
  return load<i64>(changetype<usize>(v));
}

export function nowNanos(): u64 {
  imports.proxy_get_current_time_nanoseconds(OUT_U64);
  return load<u64>(OUT_U64);
}
