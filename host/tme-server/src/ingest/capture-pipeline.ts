// What happens to validated records, in order: redact, spool (durably, before
// the sender is acknowledged), then make them visible in the ring and export
// them. Nothing is kept or exported if the spool write fails, so a record is
// either acknowledged and on disk, or refused and the sender may retry.
import { makeCapture, type Capture, type CaptureSource } from '../record/capture.ts';
import type { RedactionPolicy } from '../redact/policy.ts';
import { redactRecord } from '../redact/redact-record.ts';
import type { CaptureRecord } from './record-schema.ts';

export interface CaptureSinks {
  spool: { append(entries: readonly Capture[]): Promise<void> };
  ring: { push(capture: Capture): void };
  spans: { export(capture: Capture): void } | undefined;
  /** The API inventory learns from every kept capture, off this path (it only queues). */
  inventory?: { observe(capture: Capture): void };
}

export class CapturePipeline {
  constructor(
    private readonly policy: RedactionPolicy,
    private readonly sinks: CaptureSinks,
    private readonly verdicts?: { observe(records: readonly CaptureRecord[]): void },
  ) {}

  async accept(records: readonly CaptureRecord[], source: CaptureSource): Promise<Capture[]> {
    const receivedAt = new Date();
    const captures = records.map((record) => makeCapture(redactRecord(record, this.policy), source, receivedAt));
    await this.sinks.spool.append(captures);
    for (const capture of captures) {
      this.sinks.ring.push(capture);
      this.sinks.spans?.export(capture);
      this.sinks.inventory?.observe(capture);
    }
    this.verdicts?.observe(records);
    return captures;
  }
}
