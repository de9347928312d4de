// String matchers used by rules: exact, prefix, suffix, contains and glob, optionally ignoring case.

export enum StringMatchKind { Exact, Prefix, Suffix, Contains, Glob }

export class StringMatch {
  constructor(public kind: StringMatchKind, public value: string, public ignoreCase: bool) {
    if (ignoreCase) this.value = value.toLowerCase();
  }

  matches(input: string): bool {
    const s = this.ignoreCase ? input.toLowerCase() : input;
    switch (this.kind) {
      case StringMatchKind.Exact: return s == this.value;
      case StringMatchKind.Prefix: return s.startsWith(this.value);
      case StringMatchKind.Suffix: return s.endsWith(this.value);
      case StringMatchKind.Contains: return s.includes(this.value);
      default: return globMatch(this.value, s);
    }
  }
}

/**
 * `*` matches any run of characters within a path segment, `**` any run including '/', `?` one
 * character. Iterative with one backtrack point per star kind, so it never explodes on long inputs.
 */
export function globMatch(pattern: string, s: string): bool {
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  let starCrossesSlash = false;
  const pl = pattern.length;
  const sl = s.length;
  while (i < sl) {
    if (p < pl) {
      const c = pattern.charCodeAt(p);
      if (c == 0x2a) {
        starCrossesSlash = p + 1 < pl && pattern.charCodeAt(p + 1) == 0x2a;
        p += starCrossesSlash ? 2 : 1;
        starP = p;
        starI = i;
        continue;
      }
      if (c == 0x3f ? s.charCodeAt(i) != 0x2f : c == s.charCodeAt(i)) {
        p++;
        i++;
        continue;
      }
    }
    // Let the last star absorb one more character, unless that would cross a '/' it may not cross.
    if (starP >= 0 && (starCrossesSlash || s.charCodeAt(starI) != 0x2f)) {
      starI++;
      i = starI;
      p = starP;
      continue;
    }
    return false;
  }
  while (p < pl && pattern.charCodeAt(p) == 0x2a) p++;
  return p == pl;
}
