// Word lists for the detectors. A Lexicon maps lower-case ASCII words to small integer values with
// one hash probe per lookup; `prefixAt` finds the longest listed word starting at a position, using
// only the candidates that share its first byte, so scanning stays linear in the input.

export class Lexicon {
  private words: Array<ArrayBuffer> = [];
  private values: Array<i32> = [];
  private slots: StaticArray<i32> = new StaticArray<i32>(0);
  private mask: u32 = 0;
  private byFirst: StaticArray<Array<i32> | null> = new StaticArray<Array<i32> | null>(256);
  maxLength: i32 = 0;

  /** Adds space-separated words, all with `value`. */
  add(list: string, value: i32): Lexicon {
    const parts = list.split(" ");
    for (let i = 0; i < parts.length; i++) {
      const w = parts[i];
      if (w.length == 0) continue;
      const bytes = String.UTF8.encode(w);
      this.words.push(bytes);
      this.values.push(value);
      if (bytes.byteLength > this.maxLength) this.maxLength = bytes.byteLength;
    }
    this.rebuild();
    return this;
  }

  private rebuild(): void {
    const n = this.words.length;
    let size = 16;
    while (size < n * 3) size <<= 1;
    const slots = new StaticArray<i32>(size);
    for (let i = 0; i < size; i++) slots[i] = -1;
    this.mask = <u32>(size - 1);
    const first = new StaticArray<Array<i32> | null>(256);
    const lengths = new StaticArray<u64>(256);
    for (let i = 0; i < n; i++) {
      const w = this.words[i];
      const p = changetype<usize>(w);
      const l = w.byteLength < 63 ? w.byteLength : 63;
      lengths[load<u8>(p)] |= (<u64>1) << (<u64>l);
      let h = hashBytes(p, w.byteLength) & this.mask;
      while (slots[h] >= 0) h = (h + 1) & this.mask;
      slots[h] = i;
      const b = <i32>load<u8>(p);
      let list = first[b];
      if (list === null) {
        list = new Array<i32>();
        first[b] = list;
      }
      // Longest first, so prefixAt returns the longest match.
      let at = list.length;
      list.push(i);
      while (at > 0 && this.words[list[at - 1]].byteLength < w.byteLength) {
        list[at] = list[at - 1];
        at--;
      }
      list[at] = i;
    }
    this.slots = slots;
    this.byFirst = first;
    this.lengths = lengths;
    this.buildTrie();
  }

  /** Whether a listed word starts with byte `first` and has `len` bytes: a test before any copying. */
  @inline mayHold(first: u32, len: i32): bool {
    if (len <= 0 || len > this.maxLength) return false;
    const l = len < 63 ? len : 63;
    return (unchecked(this.lengths[<i32>(first & 0xff)]) & ((<u64>1) << (<u64>l))) != 0;
  }

  /** Value of the word of `len` bytes at `p`, or -1. */
  find(p: usize, len: i32): i32 {
    // No listed word has this first byte and this length (most prose words): no hashing.
    if (!this.mayHold(load<u8>(p), len)) return -1;
    let h = hashBytes(p, len) & this.mask;
    const slots = this.slots;
    while (true) {
      const i = unchecked(slots[h]);
      if (i < 0) return -1;
      const w = unchecked(this.words[i]);
      if (w.byteLength == len && memory.compare(changetype<usize>(w), p, len) == 0) return unchecked(this.values[i]);
      h = (h + 1) & this.mask;
    }
  }

  /** Index of the longest listed word that starts at `p` (bounded by `end`), or -1. One trie walk. */
  prefixAt(p: usize, end: usize): i32 {
    const first = this.trieFirst;
    const next = this.trieNext;
    const bytes = this.trieByte;
    const word = this.trieWord;
    // The root's children come from a direct table: the sibling list there is the longest.
    if (p >= end) return -1;
    let node = unchecked(this.rootChild[load<u8>(p)]);
    if (node < 0) return -1;
    let best = unchecked(word[node]);
    p++;
    while (p < end) {
      const c = load<u8>(p);
      let child = unchecked(first[node]);
      while (child >= 0 && unchecked(bytes[child]) != c) child = unchecked(next[child]);
      if (child < 0) break;
      node = child;
      const w = unchecked(word[node]);
      if (w >= 0) best = w;
      p++;
    }
    return best;
  }

  // Trie over all words: node 0 is the root; children are a sibling list.
  private trieFirst: StaticArray<i32> = new StaticArray<i32>(1);
  private trieNext: StaticArray<i32> = new StaticArray<i32>(1);
  private trieByte: StaticArray<u8> = new StaticArray<u8>(1);
  private trieWord: StaticArray<i32> = new StaticArray<i32>(1);
  private rootChild: StaticArray<i32> = new StaticArray<i32>(256);
  /** Per first byte, a bit for each length (63 = 63 or more) a listed word has. */
  private lengths: StaticArray<u64> = new StaticArray<u64>(256);

  private buildTrie(): void {
    let size = 1;
    for (let i = 0; i < this.words.length; i++) size += this.words[i].byteLength;
    const first = new StaticArray<i32>(size);
    const next = new StaticArray<i32>(size);
    const bytes = new StaticArray<u8>(size);
    const word = new StaticArray<i32>(size);
    for (let i = 0; i < size; i++) {
      first[i] = -1;
      next[i] = -1;
      word[i] = -1;
    }
    let used = 1;
    for (let i = 0; i < this.words.length; i++) {
      const w = this.words[i];
      const p = changetype<usize>(w);
      let node = 0;
      for (let k = 0; k < w.byteLength; k++) {
        const c = load<u8>(p + k);
        let child = first[node];
        while (child >= 0 && bytes[child] != c) child = next[child];
        if (child < 0) {
          child = used++;
          bytes[child] = c;
          next[child] = first[node];
          first[node] = child;
        }
        node = child;
      }
      if (word[node] < 0) word[node] = i;
    }
    this.trieFirst = first;
    this.trieNext = next;
    this.trieByte = bytes;
    this.trieWord = word;
    const root = new StaticArray<i32>(256);
    for (let c = 0; c < 256; c++) root[c] = -1;
    for (let child = first[0]; child >= 0; child = next[child]) root[bytes[child]] = child;
    this.rootChild = root;
  }

  @inline hasFirst(c: u32): bool {
    return unchecked(this.byFirst[<i32>(c & 0xff)]) !== null;
  }

  valueAt(index: i32): i32 {
    return this.values[index];
  }

  lengthAt(index: i32): i32 {
    return this.words[index].byteLength;
  }
}

function hashBytes(p: usize, len: i32): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < len; i++) h = (h ^ <u32>load<u8>(p + i)) * 16777619;
  return h;
}
