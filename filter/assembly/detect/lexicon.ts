// Word lists for the detectors. A Lexicon maps lower-case ASCII words to small integer values with
// one hash probe per lookup; `prefixAt` finds the longest listed word starting at a position, using
// only the candidates that share its first byte, so scanning stays linear in the input.
//
// Its words sit in one byte pool, indexed by offsets, not one ArrayBuffer each: the lexicons live as
// long as the module, and every garbage collection marks each object they hold (a thousand and more
// words would be most of the objects a collection marks).

export class Lexicon {
  /** Every word's bytes, one after the other: word i is [starts[i], starts[i + 1]). */
  private pool: StaticArray<u8> = new StaticArray<u8>(0);
  private starts: StaticArray<i32> = new StaticArray<i32>(1);
  private values: StaticArray<i32> = new StaticArray<i32>(0);
  private count: i32 = 0;
  private slots: StaticArray<i32> = new StaticArray<i32>(0);
  private mask: u32 = 0;
  maxLength: i32 = 0;

  /** Adds space-separated words, all with `value`. */
  add(list: string, value: i32): Lexicon {
    const parts = list.split(" ");
    const added = new Array<ArrayBuffer>();
    let bytes = 0;
    for (let i = 0; i < parts.length; i++) {
      const w = parts[i];
      if (w.length == 0) continue;
      const encoded = String.UTF8.encode(w);
      added.push(encoded);
      bytes += encoded.byteLength;
      if (encoded.byteLength > this.maxLength) this.maxLength = encoded.byteLength;
    }
    const n = this.count + added.length;
    const oldBytes = this.pool.length;
    const pool = new StaticArray<u8>(oldBytes + bytes);
    const starts = new StaticArray<i32>(n + 1);
    const values = new StaticArray<i32>(n);
    memory.copy(changetype<usize>(pool), changetype<usize>(this.pool), <usize>oldBytes);
    for (let i = 0; i <= this.count; i++) starts[i] = this.starts[i];
    for (let i = 0; i < this.count; i++) values[i] = this.values[i];
    let at = oldBytes;
    for (let i = 0; i < added.length; i++) {
      const w = added[i];
      memory.copy(changetype<usize>(pool) + <usize>at, changetype<usize>(w), <usize>w.byteLength);
      at += w.byteLength;
      starts[this.count + i + 1] = at;
      values[this.count + i] = value;
    }
    this.pool = pool;
    this.starts = starts;
    this.values = values;
    this.count = n;
    this.rebuild();
    return this;
  }

  @inline private wordPtr(i: i32): usize {
    return changetype<usize>(this.pool) + <usize>unchecked(this.starts[i]);
  }

  @inline private wordLength(i: i32): i32 {
    return unchecked(this.starts[i + 1]) - unchecked(this.starts[i]);
  }

  private rebuild(): void {
    const n = this.count;
    let size = 16;
    while (size < n * 3) size <<= 1;
    const slots = new StaticArray<i32>(size);
    for (let i = 0; i < size; i++) slots[i] = -1;
    this.mask = <u32>(size - 1);
    const lengths = new StaticArray<u64>(256);
    for (let i = 0; i < n; i++) {
      const p = this.wordPtr(i);
      const len = this.wordLength(i);
      const l = len < 63 ? len : 63;
      lengths[load<u8>(p)] |= (<u64>1) << (<u64>l);
      let h = hashBytes(p, len) & this.mask;
      while (slots[h] >= 0) h = (h + 1) & this.mask;
      slots[h] = i;
    }
    this.slots = slots;
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
      if (this.wordLength(i) == len && memory.compare(this.wordPtr(i), p, len) == 0) return unchecked(this.values[i]);
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
    const size = 1 + this.pool.length;
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
    for (let i = 0; i < this.count; i++) {
      const p = this.wordPtr(i);
      const len = this.wordLength(i);
      let node = 0;
      for (let k = 0; k < len; k++) {
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

  /** Every listed word sets a length bit of its first byte. */
  @inline hasFirst(c: u32): bool {
    return unchecked(this.lengths[<i32>(c & 0xff)]) != 0;
  }

  valueAt(index: i32): i32 {
    return this.values[index];
  }

  lengthAt(index: i32): i32 {
    return this.starts[index + 1] - this.starts[index];
  }
}

function hashBytes(p: usize, len: i32): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < len; i++) h = (h ^ <u32>load<u8>(p + i)) * 16777619;
  return h;
}
