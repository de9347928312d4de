// What happens to accepted records, in order: spool (durably, before the sender is acknowledged),
// then make them visible in the ring, export them, and let auto-deny see their verdicts. Nothing is
// kept or exported if the spool write fails, so a record is either acknowledged and on disk, or
// refused and the sender may retry. Which records are stored at all is the StoreSampler's choice
// (TME_STORE_SAMPLE_RATE, and the filter's summaries); the inventory sees every record either way.
//
// Two ways in. Records the producer already redacted arrive as their JSON bytes and are stored as
// they are (`acceptEncoded`): no parse on the hot path. Every other record arrives parsed and
// validated, and is redacted here (by the filter's own encoder, compiled into the engine), marked or
// not: only a one-line marked record earns the fast path; redacting twice changes nothing.
import { lineParts, readCapture, readRecord, storeEncoded, storeRecord, type Capture, type CaptureSource, type StoredCapture } from '../record/capture.ts';
import type { CaptureRecord } from './record-schema.ts';
import { isSummary, StoreSampler, type StoreDecision } from '../sampling/store-sampler.ts';

/** The record redacted by the filter's own encoder (the engine's redactRecord), marked `redacted`. */
export type RecordRedactor = (record: CaptureRecord) => CaptureRecord;

export interface CaptureSinks {
  spool: { append(lines: readonly Buffer[]): Promise<void> };
  ring: { push(capture: StoredCapture): void };
  spans: { export(capture: Capture, bytes: number): void } | undefined;
  /** The API inventory counts every record from its JSON bytes, and learns off this path (it only queues). */
  inventory?: { observe(record: Buffer): void };
  /** Which records are stored (spool, ring, export); the others only reach the inventory. Default: all but summaries. */
  sampler?: StoreSampler;
  notStored?: (why: Exclude<StoreDecision, 'store'>) => void;
}

/** A record's JSON as its producer encoded it (redacted, one line), and whether it carries a verdict. */
export interface EncodedRecord {
  bytes: Buffer;
  verdict: boolean;
}

export class CapturePipeline {
  private readonly sampler: StoreSampler;

  constructor(
    private readonly redact: RecordRedactor,
    private readonly sinks: CaptureSinks,
    private readonly verdicts?: { observe(records: readonly CaptureRecord[]): void },
  ) {
    this.sampler = sinks.sampler ?? new StoreSampler(1);
  }

  async accept(records: readonly CaptureRecord[], source: CaptureSource): Promise<void> {
    const receivedAt = new Date().toISOString();
    const decisions = records.map((record) => this.sampler.decide(record.verdict !== undefined, record.sampled === false));
    const stored = records.map((record) => storeRecord(this.redact(record), source, receivedAt));
    await this.store(stored, decisions);
    this.verdicts?.observe(records);
  }

  async acceptEncoded(records: readonly EncodedRecord[], source: CaptureSource): Promise<void> {
    const receivedAt = new Date().toISOString();
    const decisions = records.map((record) => this.sampler.decide(record.verdict, isSummary(record.bytes)));
    const stored = records.map((record) => storeEncoded(record.bytes, source, receivedAt));
    await this.store(stored, decisions);
    if (this.verdicts === undefined) return;
    // Only records with a verdict are parsed, for their client address and category.
    const withVerdicts: CaptureRecord[] = [];
    stored.forEach((capture, i) => {
      if (!records[i]!.verdict) return;
      const record = readRecord(capture);
      if (record !== undefined) withVerdicts.push(record);
    });
    if (withVerdicts.length > 0) this.verdicts.observe(withVerdicts);
  }

  private async store(stored: StoredCapture[], decisions: readonly StoreDecision[]): Promise<void> {
    const kept = decisions.every((d) => d === 'store') ? stored : stored.filter((_, i) => decisions[i] === 'store');
    if (kept.length > 0) await this.sinks.spool.append(kept.flatMap(lineParts));
    const { spans, inventory } = this.sinks;
    stored.forEach((capture, i) => {
      const decision = decisions[i]!;
      inventory?.observe(capture.record);
      if (decision !== 'store') {
        this.sinks.notStored?.(decision);
        return;
      }
      this.sinks.ring.push(capture);
      if (spans === undefined) return;
      const readable = readCapture(capture);
      if (readable !== undefined) spans.export(readable, capture.size);
    });
  }
}
