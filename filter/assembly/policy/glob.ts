// Path globs: `*` any run of characters within a path segment, `**` any run including '/', `?` one
// character other than '/'. Matched as a set of pattern positions advanced one input character at a
// time (an NFA simulation): O(input × pattern), whatever the stars, with no backtracking to get wrong.

const ANY: i32 = -1; // ?
const STAR: i32 = -2; // *
const GLOBSTAR: i32 = -3; // ** (and longer runs of stars)

export class Glob {
  /** A character code, or ANY, STAR, GLOBSTAR. */
  private tokens: StaticArray<i32>;
  private cur: StaticArray<bool>;
  private next: StaticArray<bool>;

  constructor(pattern: string) {
    const out = new Array<i32>();
    const n = pattern.length;
    for (let i = 0; i < n; i++) {
      const c = pattern.charCodeAt(i);
      if (c != 0x2a) {
        out.push(c == 0x3f ? ANY : c);
        continue;
      }
      let e = i;
      while (e + 1 < n && pattern.charCodeAt(e + 1) == 0x2a) e++;
      out.push(e > i ? GLOBSTAR : STAR);
      i = e;
    }
    this.tokens = StaticArray.fromArray(out);
    this.cur = new StaticArray<bool>(out.length + 1);
    this.next = new StaticArray<bool>(out.length + 1);
  }

  matches(s: string): bool {
    const t = this.tokens;
    const m = t.length;
    let cur = this.cur;
    let next = this.next;
    for (let j = 0; j <= m; j++) unchecked((cur[j] = false));
    unchecked((cur[0] = true));
    closure(t, cur);
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      let any = false;
      for (let j = 0; j <= m; j++) unchecked((next[j] = false));
      for (let j = 0; j < m; j++) {
        if (!unchecked(cur[j])) continue;
        const k = unchecked(t[j]);
        if (k == GLOBSTAR || (k == STAR && c != 0x2f)) {
          unchecked((next[j] = true));
          any = true;
        } else if (k == c || (k == ANY && c != 0x2f)) {
          unchecked((next[j + 1] = true));
          any = true;
        }
      }
      if (!any) return false;
      closure(t, next);
      const swap = cur;
      cur = next;
      next = swap;
    }
    return unchecked(cur[m]);
  }
}

/** A star may match nothing: a position on a star also stands on the token after it. */
function closure(t: StaticArray<i32>, set: StaticArray<bool>): void {
  const m = t.length;
  for (let j = 0; j < m; j++) {
    const k = unchecked(t[j]);
    if (unchecked(set[j]) && (k == STAR || k == GLOBSTAR)) unchecked((set[j + 1] = true));
  }
}
