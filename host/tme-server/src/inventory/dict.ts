// Maps keyed by client data (field names, header names, path segments) as
// null-prototype objects: "__proto__" or "constructor" from a request is then
// an ordinary key, and the whole state stays plain JSON to persist and merge.
export type Dict<T> = Record<string, T>;

export function dict<T>(): Dict<T> {
  return Object.create(null) as Dict<T>;
}

export function addCount(counts: Dict<number>, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/** Adds `from`'s counts into `into`, keeping at most `maxKeys` keys (new keys beyond that are dropped). */
export function mergeCounts(into: Dict<number>, from: Dict<number> | undefined, maxKeys = Infinity): void {
  if (from === undefined) return;
  let size = Object.keys(into).length;
  for (const key of Object.keys(from)) {
    const n = from[key];
    if (typeof n !== 'number' || !Number.isFinite(n)) continue;
    if (into[key] === undefined) {
      if (size >= maxKeys) continue;
      size++;
    }
    addCount(into, key, n);
  }
}

/** A copy of `from` as a null-prototype dict, each value passed through `copy`. */
export function copyDict<A, B>(from: Dict<A> | undefined, copy: (value: A) => B): Dict<B> {
  const out = dict<B>();
  if (from === undefined || typeof from !== 'object') return out;
  for (const key of Object.keys(from)) out[key] = copy(from[key] as A);
  return out;
}
