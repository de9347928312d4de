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

  it("states each record's length and the marks it was given, relative to the record, for x-gatewarden-frame", () => {
    const b = new Batcher(config(3, 8));
    // Each record is {"n":N,"r":1}; its "response" mark is the comma before "r", a verdict mark the one before "v".
    for (let n = 1; n <= 3; n++) {
      const w = b.begin(0);
      w.beginObject();
      w.key("n");
      w.u64(<u64>n);
      const response = w.out.length;
      w.key("r");
      w.u64(1);
      const verdict = w.out.length;
      if (n == 2) {
        w.key("v");
        w.u64(1);
      }
      w.endObject();
      b.end(response, n == 2 ? verdict : -1);
    }
    const batch = b.next()!;
    expect(batch.text()).toBe('{"records":[{"n":1,"r":1},{"n":2,"r":1,"v":1},{"n":3,"r":1}]}');
    expect(batch.frame).toBe("13:6,19:6:12,13:6");
  });

  it("leaves a batch unstated when a record came without marks", () => {
    const b = new Batcher(config(2, 8));
    addRecord(b, 1, 0);
    addRecord(b, 2, 0);
    expect(b.next()!.frame).toBe("");
  });
});
