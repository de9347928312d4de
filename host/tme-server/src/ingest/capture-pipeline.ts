// What happens to accepted records, in order: spool (durably, before the sender is acknowledged),
// then make them visible in the ring, export them, let the inventory count them, and let auto-deny see
// their verdicts. Nothing is kept or exported if the spool write fails, so a record is either
// acknowledged and on disk, or refused and the sender may retry.
//
// Two ways in. Records the producer already redacted arrive as their JSON bytes, checked and indexed
// by the batch framing, and are stored as they are (`acceptEncoded`): no parse on the hot path; the
// inventory counts them from their index, and only the OTLP export (when configured) and verdict
// records need them parsed. Every other record arrives parsed and validated, and is redacted here (by
// the filter's own encoder, compiled into the engine), marked or not: only a one-line marked record
// earns the fast path; redacting twice changes nothing.
import { viewOf, type ExchangeView } from '../inventory/exchange-view.ts';
import { viewOfIndex } from '../inventory/indexed-view.ts';
import { captureOf, lineParts, readCapture, readRecord, storeEncoded, storeRecord, type Capture, type CaptureSource, type StoredCapture } from '../record/capture.ts';
import { frameRecord } from './batch-framing.ts';
import type { RecordIndex } from './record-shape.ts';
import type { CaptureRecord } from './record-schema.ts';

/** The record redacted by the filter's own encoder (the engine's redactRecord), marked `redacted`. */
export type RecordRedactor = (record: CaptureRecord) => CaptureRecord;

export interface CaptureSinks {
  spool: { append(lines: readonly Buffer[]): Promise<void> };
  ring: { push(capture: StoredCapture): void };
  spans: { export(capture: Capture, bytes: number): void } | undefined;
  /** The API inventory counts every kept capture (learning is queued, off this path); absent when off. */
  inventory?: { observe(view: ExchangeView, bytes: number): void };
}

/** A record's JSON as its producer encoded it (redacted, one line), its index, and whether it carries a verdict. */
export interface EncodedRecord {
  bytes: Buffer;
  index: RecordIndex;
  verdict: boolean;
}

/**
 * A record the engine encoded for the TME's own producers (ext_proc, ext_cap), framed and indexed like a
 * filter's. The engine writes the filter's format, so one that does not fit is a bug, not bad input.
 */
export function producedRecord(bytes: Buffer): EncodedRecord {
  const frame = frameRecord(bytes);
  if (frame.problem !== undefined || !frame.redacted || !frame.oneLine || !frame.fits) {
    throw new Error(`the engine's record does not fit the record format (${frame.problem ?? 'shape'})`);
  }
  return { bytes, index: frame.index, verdict: frame.verdict };
}

/** A capture about to be kept, with what is already known of it: its parsed record or its index. */
interface Kept {
  stored: StoredCapture;
  record?: CaptureRecord;
  index?: RecordIndex;
}

export class CapturePipeline {
  constructor(
    private readonly redact: RecordRedactor,
    private readonly sinks: CaptureSinks,
    private readonly verdicts?: { observe(records: readonly CaptureRecord[]): void },
  ) {}

  async accept(records: readonly CaptureRecord[], source: CaptureSource): Promise<void> {
    const receivedAt = new Date().toISOString();
    const kept = records.map((original) => {
      const record = this.redact(original);
      return { stored: storeRecord(record, source, receivedAt), record };
    });
    await this.store(kept);
    this.verdicts?.observe(records);
  }

  async acceptEncoded(records: readonly EncodedRecord[], source: CaptureSource): Promise<void> {
    const receivedAt = new Date().toISOString();
    const kept = records.map(({ bytes, index }) => ({ stored: storeEncoded(bytes, source, receivedAt), index }));
    await this.store(kept);
    if (this.verdicts === undefined) return;
    // Only records with a verdict are parsed, for their client address and category.
    const withVerdicts: CaptureRecord[] = [];
    kept.forEach(({ stored }, i) => {
      if (!records[i]!.verdict) return;
      const record = readRecord(stored);
      if (record !== undefined) withVerdicts.push(record);
    });
    if (withVerdicts.length > 0) this.verdicts.observe(withVerdicts);
  }

  private async store(kept: Kept[]): Promise<void> {
    await this.sinks.spool.append(kept.flatMap(({ stored }) => lineParts(stored)));
    const { ring, spans, inventory } = this.sinks;
    for (const { stored, record, index } of kept) {
      ring.push(stored);
      // Spans need every attribute: a stored record is parsed for them, a slow-path one is at hand.
      const capture = spans === undefined ? undefined : record !== undefined ? captureOf(stored, record) : readCapture(stored);
      if (capture !== undefined) spans!.export(capture, stored.size);
      if (inventory === undefined) continue;
      const view = index !== undefined ? viewOfIndex(stored, index) : viewOf(capture ?? captureOf(stored, record!));
      inventory.observe(view, stored.record.length);
    }
  }
}
