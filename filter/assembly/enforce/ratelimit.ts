// Fixed-window request counters shared by all Envoy workers through the proxy's shared data, updated
// with compare-and-swap. Keys are hashed into a fixed number of slots per limit so that the shared
// data stays bounded whatever the number of clients (clients hashing to one slot share its count).
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { RateLimit } from "../policy/model";

export const SLOTS_PER_LIMIT: u32 = 65536;
const MAX_CAS_ATTEMPTS = 8;
const VALUE_SIZE: i32 = 12; // window index (u64), count (u32)

const OUT_PTR = memory.data(8);
const OUT_SIZE = memory.data(8);
const OUT_CAS = memory.data(8);
const VALUE = memory.data(VALUE_SIZE);

/** FNV-1a, 32-bit: cheap and good enough to spread client keys over slots. */
export function fnv1a(s: string): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= <u32>s.charCodeAt(i);
    h *= 0x01000193;
  }
  return h;
}

/** Where the slot keys are written; it grows with the longest limit id. */
let keyBuffer = new ArrayBuffer(64);

/**
 * Writes the shared-data key of `clientKey`'s slot under `limit`, "gatewarden/rl/<limit id>/<slot>",
 * into keyBuffer and returns its length: the limit's prefix is encoded once, the slot's digits per call.
 */
function slotKeyInto(limit: RateLimit, clientKey: string): i32 {
  let prefix = limit.slotPrefix;
  if (prefix === null) {
    prefix = String.UTF8.encode("gatewarden/rl/" + limit.id + "/");
    limit.slotPrefix = prefix;
  }
  const n = prefix.byteLength;
  if (keyBuffer.byteLength < n + 5) keyBuffer = new ArrayBuffer(n + 5);
  const p = changetype<usize>(keyBuffer);
  memory.copy(p, changetype<usize>(prefix), n);
  let slot = fnv1a(clientKey) % SLOTS_PER_LIMIT;
  let digits = 1;
  for (let s = slot; s >= 10; s /= 10) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    store<u8>(p + n + i, <u8>(0x30 + (slot % 10)));
    slot /= 10;
  }
  return n + digits;
}

/**
 * Counts one request against `limit` for `clientKey` and returns the count in the current window,
 * or 0 when the shared data could not be updated (the caller lets the request through).
 */
export function countRequest(limit: RateLimit, clientKey: string, nowMs: u64): u32 {
  const window = nowMs / limit.windowMs;
  const keyLength = slotKeyInto(limit, clientKey);
  const key = changetype<usize>(keyBuffer);
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    store<usize>(OUT_PTR, 0);
    store<usize>(OUT_SIZE, 0);
    store<u32>(OUT_CAS, 0);
    const got = imports.proxy_get_shared_data(key, keyLength, OUT_PTR, OUT_SIZE, OUT_CAS);
    let count: u32 = 1;
    let cas: u32 = 0;
    if (got == WasmResultValues.Ok) {
      cas = load<u32>(OUT_CAS);
      const ptr = load<usize>(OUT_PTR);
      if (ptr != 0) {
        if (load<usize>(OUT_SIZE) >= <usize>VALUE_SIZE && load<u64>(ptr) == window) count = load<u32>(ptr + 8) + 1;
        __unpin(ptr);
      }
    } else if (got != WasmResultValues.NotFound) {
      return 0;
    }
    store<u64>(VALUE, window);
    store<u32>(VALUE + 8, count);
    // A cas of 0 means "unconditionally": a slot nobody has written yet.
    const set = imports.proxy_set_shared_data(key, keyLength, VALUE, VALUE_SIZE, cas);
    if (set == WasmResultValues.Ok) return count;
    if (set != WasmResultValues.CasMismatch) return 0;
  }
  return 0;
}
