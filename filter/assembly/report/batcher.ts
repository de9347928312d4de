import { ByteBuffer } from "../json/bytes";
import { JsonWriter } from "../json/writer";
import { ReportConfig } from "../config";

/**
 * A sealed batch, ready for one callout: `{"records":[...]}`. Its bytes live outside the collected heap
 * and are freed the moment the batch is settled or dropped: the batches in flight are most of a
 * worker's live memory, and as collected objects they set the collector's pace (it lets the heap grow
 * to 1.5x the live bytes before a cycle), so a queue of 2.5 MiB doubled the linear memory to 16 MiB.
 */
export class Batch {
  /** Failed sends so far. */
  attempts: i32 = 0;
  readonly ptr: usize;

  constructor(
    src: usize,
    public length: i32,
    public records: i32,
  ) {
    this.ptr = heap.alloc(<usize>length);
    memory.copy(this.ptr, src, length);
  }

  text(): string {
    return String.UTF8.decodeUnsafe(this.ptr, this.length);
  }

  free(): void {
    heap.free(this.ptr);
  }
}

const BATCH_OPEN = '{"records":[';
const BATCH_CLOSE = "]}";
/** The writer's nesting level inside `{"records":[`. */
const RECORD_DEPTH = 2;

/**
 * Collects finished records into batches, by count, by size and by age, and keeps the batches that
 * wait, are in flight or wait to be retried within `maxBufferBytes`, and at most `maxPendingBatches`
 * waiting. Beyond either, the oldest waiting batches are dropped and counted: the proxy's memory stays bounded whatever
 * the TME does. Pure: the callouts live in the reporter.
 */
export class Batcher {
  private readonly buf: ByteBuffer;
  private readonly writer: JsonWriter;
  private readonly ready: Array<Batch> = [];
  private openedAtMs: u64 = 0;
  records: i32 = 0;
  inflight: i32 = 0;
  /** Bytes of the batches waiting or in flight. */
  held: i64 = 0;
  /** Records dropped since the last takeDropped(). */
  private dropped: i32 = 0;

  constructor(private cfg: ReportConfig) {
    const buf = new ByteBuffer(16 * 1024);
    this.buf = buf;
    this.writer = new JsonWriter(buf);
  }

  /** The writer, positioned to append one record to the open batch. */
  begin(nowMs: u64): JsonWriter {
    if (this.records == 0) {
      this.buf.reset();
      this.buf.writeAscii(BATCH_OPEN);
      this.openedAtMs = nowMs;
    }
    this.writer.resume(RECORD_DEPTH, this.records == 0);
    return this.writer;
  }

  /** Marks the record written since begin() as complete; seals the batch when it is full. */
  end(): void {
    this.records++;
    if (this.records >= this.cfg.maxBatchRecords || this.buf.length >= this.cfg.maxBatchBytes) this.seal();
  }

  /** Seals the open batch if it has waited `flushIntervalMs`. */
  flushDue(nowMs: u64): void {
    if (this.records > 0 && nowMs - this.openedAtMs >= <u64>this.cfg.flushIntervalMs) this.seal();
  }

  seal(): void {
    if (this.records == 0) return;
    this.buf.writeAscii(BATCH_CLOSE);
    const batch = new Batch(this.buf.dataStart, this.buf.length, this.records);
    this.records = 0;
    this.ready.push(batch);
    this.held += batch.length;
    this.makeRoom();
  }

  /** The oldest waiting batch, now counted in flight, or null. */
  next(): Batch | null {
    if (this.ready.length == 0) return null;
    this.inflight++;
    return this.ready.shift();
  }

  /** A batch left flight for good (delivered, or given up). */
  settle(batch: Batch): void {
    this.inflight--;
    this.held -= batch.length;
    batch.free();
  }

  /** A batch left flight without being delivered: it waits again, first in line. */
  retry(batch: Batch): void {
    this.inflight--;
    batch.attempts++;
    this.ready.unshift(batch);
    this.makeRoom();
  }

  get waiting(): i32 {
    return this.ready.length;
  }

  takeDropped(): i32 {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }

  /**
   * Drops the oldest waiting batches while over a bound. Batches in flight stay until they settle, and
   * count against the bytes but not against maxPendingBatches: a newly sealed batch is not dropped
   * just because older ones are still being sent.
   */
  private makeRoom(): void {
    while (this.ready.length > 0 && (this.held > <i64>this.cfg.maxBufferBytes || this.ready.length > this.cfg.maxPendingBatches)) {
      const oldest = this.ready.shift();
      this.held -= oldest.length;
      this.dropped += oldest.records;
      oldest.free();
    }
  }
}
