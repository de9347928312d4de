// A capture is what the TME keeps of an accepted, redacted record: the same
// object is appended to the spool, held in the ring for /v1/captures, and
// turned into a span. It keeps the record's timing next to the attributes so a
// spooled capture can be replayed as a span later.
import { randomUUID } from 'node:crypto';
import type { CaptureRecord } from '../ingest/record-schema.ts';
import { type CaptureAttributes, recordAttributes } from './attributes.ts';

export type CaptureSource = 'gatewarden' | 'ext_cap' | 'ext_proc';

export interface Capture {
  id: string;
  received_at: string;
  source: CaptureSource;
  start_time_unix_nano: string;
  duration_nano: number;
  attributes: CaptureAttributes;
}

export function makeCapture(record: CaptureRecord, source: CaptureSource, receivedAt: Date): Capture {
  return {
    id: randomUUID(),
    received_at: receivedAt.toISOString(),
    source,
    start_time_unix_nano: record.start_time_unix_nano,
    duration_nano: record.duration_nano,
    attributes: recordAttributes(record),
  };
}
