// What happens to accepted records, in order: spool (durably, before the sender is acknowledged),
// then make them visible in the ring, export them, let the inventory count them, and let auto-deny see
// their verdicts. Nothing is kept or exported if the spool write fails, so a record is either
// acknowledged and on disk, or refused and the sender may retry. Which records are stored at all is the
// StoreSampler's choice (TME_STORE_SAMPLE_RATE, and the filter's summaries); the inventory sees every
// record either way.
//
// Two ways in. Records the producer already redacted arrive as their JSON bytes, checked and indexed
// by the framing (stated by the filter and the engine, or scanned for other producers), and are stored
// as they are (`acceptEncoded`): no parse on the hot path; the
// inventory counts them from their index, and only the OTLP export (when configured) and verdict
// records need them parsed. Every other record arrives parsed and validated, and is redacted here (by
// the filter's own encoder, compiled into the engine), marked or not: only a one-line marked record
// earns the fast path; redacting twice changes nothing.
import { viewOfIndex } from '../inventory/indexed-view.ts';
import type { ExchangeView } from '../inventory/exchange-view.ts';
import {
  captureOf,
  lineParts,
  readCapture,
  readRecord,
  storeEncoded,
  storeRecords,
  type Capture,
  type CaptureSource,
  type StoredCapture,
} from '../record/capture.ts';
import { isSummary, StoreSampler, type StoreDecision } from '../sampling/store-sampler.ts';
import { checkRecord } from './stated-framing.ts';
import type { RecordIndex } from './record-shape.ts';
import type { CaptureRecord } from './record-schema.ts';

/** The record redacted by the filter's own encoder (the engine's redactRecord), marked `redacted`. */
export type RecordRedactor = (record: CaptureRecord) => CaptureRecord;

/** The API inventory: counts every record (learning is queued, off the ingest path). */
export interface InventorySink {
  /** A record's JSON bytes, read by the inventory itself. */
  observe(record: Buffer): void;
  /** A record already read from its index, with about how many bytes learning from it holds. */
  observeView(view: ExchangeView, bytes: number): void;
}

export interface CaptureSinks {
  spool: { append(lines: readonly Buffer[]): Promise<void> };
  ring: { push(capture: StoredCapture): void };
  spans: { export(capture: Capture, bytes: number): void } | undefined;
  /** Absent when the inventory is off, so ingest derives nothing for it. */
  inventory?: InventorySink;
  /** Which records are stored (spool, ring, export); the others only reach the inventory. Default: all but summaries. */
  sampler?: StoreSampler;
  notStored?: (why: Exclude<StoreDecision, 'store'>) => void;
}

/** A record's JSON as its producer encoded it (redacted, one line), its index, and whether it carries a verdict. */
export interface EncodedRecord {
  bytes: Buffer;
  index: RecordIndex;
  verdict: boolean;
  /** The record parsed and validated, when ingest already did (a stated record's verdict). */
  parsed?: CaptureRecord;
}

/**
 * A record the engine encoded for the TME's own producers (ext_proc, ext_cap), with the framing the
 * engine states (its recordMarks): indexed like a filter's stated record, without reading its bodies. The
 * engine writes the filter's format, so one that does not fit is a bug, not bad input.
 */
export function producedRecord(bytes: Buffer, marks: { responseAt: number; verdictAt: number }): EncodedRecord {
  const { index, verdict } = checkRecord(bytes, { length: bytes.length, response: marks.responseAt, verdict: marks.verdictAt }, 'record');
  if (index === undefined || bytes.indexOf(0x0a) >= 0) throw new Error("the engine's record does not fit the record format");
  return { bytes, index, verdict };
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
    const decisions = records.map((r) => this.sampler.decide(r.verdict !== undefined, r.sampled === false));
    const redacted = records.map((r) => this.redact(r));
    await this.store(storeRecords(redacted, source, new Date().toISOString()), decisions, (i) => redacted[i]!);
    this.verdicts?.observe(records);
  }

  async acceptEncoded(records: readonly EncodedRecord[], source: CaptureSource): Promise<void> {
    const decisions = records.map(({ bytes, verdict }) => this.sampler.decide(verdict, isSummary(bytes)));
    const captures = storeEncoded(
      records.map((r) => r.bytes),
      source,
      new Date().toISOString(),
    );
    await this.store(captures, decisions, undefined, (i) => records[i]!.index);
    if (this.verdicts === undefined) return;
    // Only records with a verdict are parsed, for their client address and category.
    const withVerdicts: CaptureRecord[] = [];
    records.forEach(({ verdict, parsed }, i) => {
      if (!verdict) return;
      const record = parsed ?? readRecord(captures[i]!);
      if (record !== undefined) withVerdicts.push(record);
    });
    if (withVerdicts.length > 0) this.verdicts.observe(withVerdicts);
  }

  /** Spools the captures to store, then shows each to the inventory and keeps it; what is known of each: its parsed record or its index. */
  private async store(
    captures: readonly StoredCapture[],
    decisions: readonly StoreDecision[],
    recordOf?: (i: number) => CaptureRecord,
    indexOf?: (i: number) => RecordIndex,
  ): Promise<void> {
    const all = decisions.every((d) => d === 'store');
    const stored = all ? captures : captures.filter((_, i) => decisions[i] === 'store');
    if (stored.length > 0) await this.sinks.spool.append(lineParts(stored));
    const { ring, spans, inventory, notStored } = this.sinks;
    for (let i = 0; i < captures.length; i++) {
      const capture = captures[i]!;
      if (inventory !== undefined) {
        if (indexOf !== undefined) inventory.observeView(viewOfIndex(capture.record, indexOf(i)), 512 + capture.record.length);
        else inventory.observe(capture.record);
      }
      const decision = decisions[i]!;
      if (decision !== 'store') {
        notStored?.(decision);
        continue;
      }
      ring.push(capture);
      if (spans === undefined) continue;
      // Spans need every attribute: a stored record is parsed for them, a slow-path one is at hand.
      const readable = recordOf !== undefined ? captureOf(capture, recordOf(i)) : readCapture(capture);
      if (readable !== undefined) spans.export(readable, capture.size);
    }
  }
}
