import { Batcher } from "../report/batcher";
import { ReportConfig } from "../config";

function config(maxRecords: i32, maxPending: i32): ReportConfig {
  const c = new ReportConfig();
  c.maxBatchRecords = maxRecords;
  c.maxPendingBatches = maxPending;
  c.flushIntervalMs = 100;
  return c;
}

function addRecord(b: Batcher, n: i32, now: u64): void {
  const w = b.begin(now);
  w.beginObject();
  w.key("n");
  w.u64(<u64>n);
  w.endObject();
  b.end();
}

describe("Batcher", () => {
  it("seals a batch when it reaches maxBatchRecords", () => {
    const b = new Batcher(config(2, 8));
    addRecord(b, 1, 0);
    expect(b.waiting).toBe(0);
    addRecord(b, 2, 0);
    expect(b.waiting).toBe(1);
    const batch = b.next()!;
    expect(batch.records).toBe(2);
    expect(batch.text()).toBe('{"records":[{"n":1},{"n":2}]}');
    expect(b.inflight).toBe(1);
  });

  it("seals a partial batch once it is older than the flush interval", () => {
    const b = new Batcher(config(100, 8));
    addRecord(b, 1, 1000);
    b.flushDue(1050);
    expect(b.waiting).toBe(0);
    b.flushDue(1100);
    expect(b.waiting).toBe(1);
    expect(b.next()!.text()).toBe('{"records":[{"n":1}]}');
  });

  it("beyond maxPendingBatches waiting, drops and counts the oldest waiting batches", () => {
    const b = new Batcher(config(1, 2));
    addRecord(b, 1, 0);
    const inFlight = b.next()!; // in flight: not counted against maxPendingBatches
    addRecord(b, 2, 0);
    addRecord(b, 3, 0);
    addRecord(b, 4, 0); // 2 goes
    addRecord(b, 5, 0); // 3 goes
    expect(b.waiting).toBe(2);
    expect(b.takeDropped()).toBe(2);
    expect(b.takeDropped()).toBe(0);
    expect(b.next()!.text()).toBe('{"records":[{"n":4}]}');
    b.settle(inFlight);
    expect(b.inflight).toBe(1);
  });

  it("keeps a failed batch first in line for a retry, and drops the oldest beyond maxBufferBytes", () => {
    const c = config(1, 1000);
    c.maxBufferBytes = 64;
    const b = new Batcher(c);
    addRecord(b, 1, 0); // 21 bytes each: '{"records":[{"n":1}]}'
    const first = b.next()!;
    addRecord(b, 2, 0);
    b.retry(first);
    expect(first.attempts).toBe(1);
    expect(b.next()!.text()).toBe('{"records":[{"n":1}]}');
    b.retry(first);
    expect(b.held).toBe(42);
    addRecord(b, 3, 0);
    addRecord(b, 4, 0); // 84 bytes: the oldest (the retried 1) goes
    expect(b.takeDropped()).toBe(1);
    expect(b.held).toBe(63);
    expect(b.next()!.text()).toBe('{"records":[{"n":2}]}');
  });
});
