// The allocator the host calls to hand the module a buffer (a body chunk, a header map, a property):
// the SDK's, plus what it allocates counted towards the next collection (memory/collect.ts).
import { owe } from "../memory/collect";

/** Pinned until the module takes the buffer (abi.ts) or the host frees it. */
export function malloc(size: i32): usize {
  owe(<usize>size);
  return __pin(changetype<usize>(new ArrayBuffer(size)));
}

export function free(ptr: usize): void {
  __unpin(ptr);
}
