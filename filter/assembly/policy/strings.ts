// String matchers used by rules: exact, prefix, suffix, contains and glob, optionally ignoring case.
import { Glob } from "./glob";

export enum StringMatchKind {
  Exact,
  Prefix,
  Suffix,
  Contains,
  Glob,
}

export class StringMatch {
  private glob: Glob | null = null;

  constructor(
    public kind: StringMatchKind,
    public value: string,
    public ignoreCase: bool,
  ) {
    if (ignoreCase) this.value = value.toLowerCase();
    if (kind == StringMatchKind.Glob) this.glob = new Glob(this.value);
  }

  matches(input: string): bool {
    const s = this.ignoreCase ? input.toLowerCase() : input;
    switch (this.kind) {
      case StringMatchKind.Exact:
        return s == this.value;
      case StringMatchKind.Prefix:
        return s.startsWith(this.value);
      case StringMatchKind.Suffix:
        return s.endsWith(this.value);
      case StringMatchKind.Contains:
        return s.includes(this.value);
      default:
        return this.glob!.matches(s);
    }
  }
}

/** Whether `s` matches the path glob `pattern` (see Glob). */
export function globMatch(pattern: string, s: string): bool {
  return new Glob(pattern).matches(s);
}
