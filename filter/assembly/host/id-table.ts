// Objects by the u32 ids the host hands out (context ids, callout tokens): an open-addressed table with
// linear probing, so a callback finds its stream in one or two probes and no Map hashing or boxing. The
// host numbers ids in sequence, so `id & mask` spreads the live ones over distinct slots; the table is
// at most half full and doubles when it would be fuller, so it holds twice the most ids live at once.

const INITIAL_CAPACITY: i32 = 64;

export class IdTable<T> {
  private keys: StaticArray<u32> = new StaticArray<u32>(INITIAL_CAPACITY);
  /** null marks a free slot: every id, 0 included, is a valid key. */
  private values: StaticArray<T | null> = new StaticArray<T | null>(INITIAL_CAPACITY);
  private mask: u32 = <u32>INITIAL_CAPACITY - 1;
  size: i32 = 0;

  get(id: u32): T | null {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = id & mask;
    while (true) {
      const v = unchecked(values[i]);
      if (v === null || unchecked(keys[i]) == id) return v;
      i = (i + 1) & mask;
    }
  }

  /** Adds or replaces the object of `id`. */
  set(id: u32, value: T): void {
    if ((this.size + 1) * 2 > this.values.length) this.grow();
    const mask = this.mask;
    let i = id & mask;
    while (true) {
      const v = unchecked(this.values[i]);
      if (v === null) {
        unchecked((this.keys[i] = id));
        unchecked((this.values[i] = value));
        this.size++;
        return;
      }
      if (unchecked(this.keys[i]) == id) {
        unchecked((this.values[i] = value));
        return;
      }
      i = (i + 1) & mask;
    }
  }

  /** Removes `id` and returns its object (null when absent). */
  delete(id: u32): T | null {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = id & mask;
    while (true) {
      const v = unchecked(values[i]);
      if (v === null) return null;
      if (unchecked(keys[i]) == id) break;
      i = (i + 1) & mask;
    }
    const removed = unchecked(values[i]);
    // Backward-shift deletion: move up every following entry whose home slot the hole now cuts off
    // from it, so lookups never need tombstones.
    let hole = i;
    let j = i;
    while (true) {
      j = (j + 1) & mask;
      const v = unchecked(values[j]);
      if (v === null) break;
      const home = unchecked(keys[j]) & mask;
      // The entry at j may move to the hole unless its home lies cyclically in (hole, j].
      const reachable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (reachable) {
        unchecked((keys[hole] = unchecked(keys[j])));
        unchecked((values[hole] = v));
        hole = j;
      }
    }
    unchecked((values[hole] = null));
    this.size--;
    return removed;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const capacity = oldValues.length << 1;
    this.keys = new StaticArray<u32>(capacity);
    this.values = new StaticArray<T | null>(capacity);
    this.mask = <u32>capacity - 1;
    this.size = 0;
    for (let i = 0; i < oldValues.length; i++) {
      const v = unchecked(oldValues[i]);
      if (v !== null) this.set(unchecked(oldKeys[i]), v);
    }
  }
}
