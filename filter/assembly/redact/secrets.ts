// The values redacted so far in one exchange. Each is searched for wherever the exchange is written
// next (an upstream echoing the Authorization header in its body, a password repeated in a redirect),
// and a verdict snippet overlapping one is withheld. Bounded in count and length: an exchange cannot
// make the search or the memory grow beyond MAX_SECRETS × MAX_SECRET_BYTES.
import { Mark, Marks } from "./marks";
import { Pattern } from "./search";
import { lowerAscii } from "./names";

/** Shorter values are too common to look for elsewhere ("true", "1234"). */
export const MIN_SECRET_BYTES = 6;
export const MAX_SECRET_BYTES = 256;
export const MAX_SECRETS = 16;

export class SecretSet {
  private patterns: StaticArray<Pattern> = new StaticArray<Pattern>(MAX_SECRETS);
  count: i32 = 0;
  /** Secrets seen beyond MAX_SECRETS, not remembered. */
  dropped: i32 = 0;

  constructor() {
    for (let i = 0; i < MAX_SECRETS; i++) unchecked((this.patterns[i] = new Pattern(MAX_SECRET_BYTES)));
  }

  clear(): void {
    this.count = 0;
    this.dropped = 0;
  }

  /** Remembers the `len` bytes at `ptr` (a longer value by its first MAX_SECRET_BYTES). */
  add(ptr: usize, len: i32): void {
    // Surrounding spaces and quotes are not part of the secret a client or upstream repeats.
    while (len > 0 && isTrim(load<u8>(ptr))) {
      ptr++;
      len--;
    }
    while (len > 0 && isTrim(load<u8>(ptr + len - 1))) len--;
    if (len < MIN_SECRET_BYTES) return;
    if (len > MAX_SECRET_BYTES) len = MAX_SECRET_BYTES;
    for (let i = 0; i < this.count; i++) {
      if (unchecked(this.patterns[i]).equals(ptr, len)) return;
    }
    if (this.count == MAX_SECRETS) {
      this.dropped++;
      return;
    }
    unchecked(this.patterns[this.count]).set(ptr, len);
    this.count++;
  }

  /** Marks every occurrence of every secret in the `len` bytes at `ptr` (the text `marks` covers). */
  markEchoes(ptr: usize, len: i32, marks: Marks): void {
    for (let s = 0; s < this.count; s++) {
      const p = unchecked(this.patterns[s]);
      let from = 0;
      while (from < len) {
        const at = p.find(ptr, from, len);
        if (at < 0) break;
        marks.mark(at, at + p.length, Mark.Text);
        from = at + p.length;
      }
    }
  }

  /**
   * Whether the `len` bytes at `ptr` share a run of at least MIN_SECRET_BYTES with a secret at an
   * edge: the text contains the secret, lies inside it, or overlaps its start or its end. A snippet is
   * a window cut from a (normalised, lower-cased) value, so these are the ways it can show one.
   */
  overlaps(ptr: usize, len: i32): bool {
    if (len < MIN_SECRET_BYTES) return false;
    for (let s = 0; s < this.count; s++) {
      const p = unchecked(this.patterns[s]);
      if (p.find(ptr, 0, len) >= 0) return true;
      if (windowOverlaps(p, ptr, len)) return true;
    }
    return false;
  }
}

function isTrim(b: u8): bool {
  return b == 0x20 || b == 0x09 || b == 0x22 || b == 0x27;
}

/** The text inside the secret, or a prefix of the text ending it, or a suffix of the text starting it. */
function windowOverlaps(p: Pattern, ptr: usize, len: i32): bool {
  const n = p.length;
  const bytes = changetype<usize>(p.bytes);
  // Bounded by MAX_SECRET_BYTES × the snippet length: both are short.
  for (let shift = -len + MIN_SECRET_BYTES; shift <= n - MIN_SECRET_BYTES; shift++) {
    // Text byte j sits at secret byte shift + j; compare where both exist.
    const from = shift < 0 ? -shift : 0;
    const to = n - shift < len ? n - shift : len;
    if (to - from < MIN_SECRET_BYTES) continue;
    let same = true;
    for (let j = from; j < to; j++) {
      if (lowerAscii(<u32>load<u8>(ptr + j)) != <u32>load<u8>(bytes + shift + j)) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}
