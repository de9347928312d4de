// What happens to validated records, in order: redact (unless their producer
// did), spool (durably, before the sender is acknowledged), then make them
// visible in the ring and export them. Nothing is kept or exported if the spool
// write fails, so a record is either acknowledged and on disk, or refused and
// the sender may retry.
import { makeCapture, type Capture, type CaptureSource } from '../record/capture.ts';
import type { CaptureRecord } from './record-schema.ts';

/** The record redacted by the filter's own encoder (the engine's redactRecord), marked `redacted`. */
export type RecordRedactor = (record: CaptureRecord) => CaptureRecord;

export interface CaptureSinks {
  spool: { append(entries: readonly Capture[]): Promise<void> };
  ring: { push(capture: Capture): void };
  spans: { export(capture: Capture): void } | undefined;
}

export class CapturePipeline {
  constructor(
    private readonly redact: RecordRedactor,
    private readonly sinks: CaptureSinks,
    private readonly verdicts?: { observe(records: readonly CaptureRecord[]): void },
  ) {}

  async accept(records: readonly CaptureRecord[], source: CaptureSource): Promise<Capture[]> {
    const receivedAt = new Date();
    const captures = records.map((record) => makeCapture(record.redacted === true ? record : this.redact(record), source, receivedAt));
    await this.sinks.spool.append(captures);
    for (const capture of captures) {
      this.sinks.ring.push(capture);
      this.sinks.spans?.export(capture);
    }
    this.verdicts?.observe(records);
    return captures;
  }
}
