// V8 compiles Wasm's memory.copy with a non-constant size into a call into C (memory_copy_wrapper),
// which costs more than copying a few dozen bytes inline: the JSON writer copies many short runs.

/** Copies below this size are done inline, a word at a time. */
const INLINE_COPY_MAX: i32 = 64;

/** Copies `len` bytes between regions that do not overlap. */
export function copyBytes(dst: usize, src: usize, len: i32): void {
  if (len > INLINE_COPY_MAX) {
    memory.copy(dst, src, len);
    return;
  }
  let i: i32 = 0;
  for (; i + 8 <= len; i += 8) store<u64>(dst + <usize>i, load<u64>(src + <usize>i));
  for (; i < len; i++) store<u8>(dst + <usize>i, load<u8>(src + <usize>i));
}
