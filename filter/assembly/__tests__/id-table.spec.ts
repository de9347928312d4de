import { IdTable } from "../host/id-table";

class Item {
  constructor(public id: u32) {}
}

/** Every id in [0, n) that `live` says is in must be found with its own item, and no other. */
function expectExactly(t: IdTable<Item>, live: StaticArray<bool>): void {
  let n = 0;
  let wrong = 0;
  for (let id = 0; id < live.length; id++) {
    const found = t.get(<u32>id);
    if (live[id]) n++;
    if (live[id] ? found === null || found.id != <u32>id : found !== null) wrong++;
  }
  expect(wrong).toBe(0);
  expect(t.size).toBe(n);
}

describe("IdTable", () => {
  it("finds, replaces and deletes by id, 0 included", () => {
    const t = new IdTable<Item>();
    expect(t.get(0)).toBeNull();
    t.set(0, new Item(0));
    t.set(7, new Item(7));
    expect(t.get(0)!.id).toBe(0);
    const again = new Item(7);
    t.set(7, again);
    expect(t.size).toBe(2);
    expect(t.get(7)).toBe(again);
    expect(t.delete(7)).toBe(again);
    expect(t.delete(7)).toBeNull();
    expect(t.get(7)).toBeNull();
    expect(t.size).toBe(1);
  });

  it("keeps every id reachable through collisions, wrap-around and deletions in any order", () => {
    // Ids 64 apart share a home slot at the first capacity; the cluster around slot 63 wraps to 0.
    const t = new IdTable<Item>();
    const live = new StaticArray<bool>(64 * 8);
    const ids: u32[] = [63, 127, 191, 0, 64, 1, 255, 62, 126];
    for (let i = 0; i < ids.length; i++) {
      t.set(ids[i], new Item(ids[i]));
      live[ids[i]] = true;
    }
    expectExactly(t, live);
    const order: u32[] = [127, 0, 63, 255, 1, 191, 64, 62, 126];
    for (let i = 0; i < order.length; i++) {
      expect(t.delete(order[i])!.id).toBe(order[i]);
      live[order[i]] = false;
      expectExactly(t, live);
    }
  });

  it("grows past its first capacity as streams overlap, and stays exact as they come and go", () => {
    // Streams open in sequence and close out of order, up to 300 at once: the way a worker sees them.
    const t = new IdTable<Item>();
    const live = new StaticArray<bool>(4000);
    let seed: u32 = 12345;
    for (let id: u32 = 1; id < 4000; id++) {
      t.set(id, new Item(id));
      live[id] = true;
      seed = seed * 1103515245 + 12345;
      const back = (seed >> 16) % 300;
      if (id > back && live[id - back]) {
        expect(t.delete(id - back)!.id).toBe(id - back);
        live[id - back] = false;
      }
    }
    expectExactly(t, live);
  });
});
