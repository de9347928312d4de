import { ByteBuffer } from "../json/bytes";
import { Decimal, JsonWriter } from "../json/writer";
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
    /** The stated framing (x-gatewarden-frame), or "" when the batch is not stated. */
    public frame: string,
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
 * The longest stated framing: a header past the TME's header limit (Node's 16 KiB) would be refused
 * as a whole, so a batch of very many records goes unstated and the TME scans it.
 */
const MAX_FRAME_BYTES = 8 * 1024;

/**
 * Collects finished records into batches, by count, by size and by age, and keeps the batches that
 * wait, are in flight or wait to be retried within `maxBufferBytes`, and at most `maxPendingBatches`
 * waiting. Beyond either, the oldest waiting batches are dropped and counted: the proxy's memory stays bounded whatever
 * the TME does. Pure: the callouts live in the reporter.
 */
export class Batcher {
  private readonly buf: ByteBuffer;
  private readonly writer: JsonWriter;
  /** The open batch's stated framing: `length:response[:verdict]` per record, comma-separated. */
  private readonly frame: ByteBuffer = new ByteBuffer(1024);
  private stated: bool = true;
  private recordStart: i32 = 0;
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
      this.frame.reset();
      this.stated = true;
    }
    // The record starts after the comma its object writes first.
    this.recordStart = this.buf.length + (this.records == 0 ? 0 : 1);
    this.writer.resume(RECORD_DEPTH, this.records == 0);
    return this.writer;
  }

  /**
   * Marks the record written since begin() as complete; seals the batch when it is full. `responseAt`
   * and `verdictAt` are where the record's `,"response":` and `,"verdict":` are in the writer's buffer
   * (capture/exchange.ts RecordMarks; -1: none); without a response mark the batch goes unstated.
   */
  end(responseAt: i32 = -1, verdictAt: i32 = -1): void {
    this.state(responseAt, verdictAt);
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
    const frame = this.stated ? this.frame.toString() : "";
    const batch = new Batch(this.buf.dataStart, this.buf.length, this.records, frame);
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

  private state(responseAt: i32, verdictAt: i32): void {
    if (!this.stated) return;
    const start = this.recordStart;
    if (responseAt <= start || this.frame.length > MAX_FRAME_BYTES) {
      this.stated = false;
      return;
    }
    const frame = this.frame;
    if (this.records > 0) frame.writeByte(0x2c);
    Decimal.write(frame, <u64>(this.buf.length - start));
    frame.writeByte(0x3a);
    Decimal.write(frame, <u64>(responseAt - start));
    if (verdictAt > start) {
      frame.writeByte(0x3a);
      Decimal.write(frame, <u64>(verdictAt - start));
    }
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
