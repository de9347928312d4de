// A capture is what the TME keeps of an accepted, redacted record: its spool line, held as bytes in
// the ring and appended to the spool as they are. The line is the record's own JSON (as the producer
// encoded it, or as the slow path re-encoded it after redaction) wrapped with the TME's fields:
//
//   {"id":"<uuid>","source":"gatewarden","received_at":"<ISO 8601>","record":<the record>}\n
//
// A record is parsed only when something reads it (GET /v1/captures, the OTLP export, the inventory's
// learning): `readCapture` turns it into the attributes every capture carries.
import { randomUUID } from 'node:crypto';
import type { CaptureRecord } from '../ingest/record-schema.ts';
import { type CaptureAttributes, recordAttributes } from './attributes.ts';

export type CaptureSource = 'gatewarden' | 'ext_cap' | 'ext_proc';

/** What GET /v1/captures answers and the exporter turns into a span. */
export interface Capture {
  id: string;
  received_at: string;
  source: CaptureSource;
  start_time_unix_nano: string;
  duration_nano: number;
  attributes: CaptureAttributes;
}

/**
 * Held as the line's parts, not one buffer: the record's bytes are a view into the batch they came
 * in (copying them costs more than everything else the fast path does).
 */
export interface StoredCapture {
  id: string;
  source: CaptureSource;
  receivedAt: string;
  /** The line's beginning, up to `"record":`. */
  head: Buffer;
  /** The record's JSON. */
  record: Buffer;
  /** Bytes of the whole spool line. */
  size: number;
}

const LINE_END = Buffer.from('}\n');

function lineHead(id: string, source: CaptureSource, receivedAt: string): string {
  return `{"id":"${id}","source":"${source}","received_at":"${receivedAt}","record":`;
}

/** A capture of record bytes that are already one line of redacted JSON. */
export function storeEncoded(record: Buffer, source: CaptureSource, receivedAt: string): StoredCapture {
  const id = randomUUID();
  const head = Buffer.from(lineHead(id, source, receivedAt), 'latin1');
  return { id, source, receivedAt, head, record, size: head.length + record.length + LINE_END.length };
}

/** A capture of a parsed (and already redacted) record. */
export function storeRecord(record: CaptureRecord, source: CaptureSource, receivedAt: string): StoredCapture {
  // JSON.stringify escapes line breaks: the record stays on one line.
  return storeEncoded(Buffer.from(JSON.stringify(record)), source, receivedAt);
}

/** The spool line, as the buffers to write one after the other. */
export function lineParts(stored: StoredCapture): Buffer[] {
  return [stored.head, stored.record, LINE_END];
}

/**
 * The stored record, parsed; undefined when it is not JSON. It is not validated again: every record was
 * checked on its way in, by the schema (the slow path) or by the framing's shape check (the fast path),
 * except a record whose authenticated producer stated its framing, trusted to be the filter's encoding.
 */
export function readRecord(stored: StoredCapture): CaptureRecord | undefined {
  try {
    return JSON.parse(stored.record.toString('utf8')) as CaptureRecord;
  } catch {
    return undefined;
  }
}

export function readCapture(stored: StoredCapture): Capture | undefined {
  const record = readRecord(stored);
  if (record === undefined) return undefined;
  try {
    return captureOf(stored, record);
  } catch {
    // A record whose producer stated its framing was not checked for the schema's types (docs/record-format.md).
    return undefined;
  }
}

/** The capture of a stored record whose parsed form is at hand. */
export function captureOf(stored: StoredCapture, record: CaptureRecord): Capture {
  return {
    id: stored.id,
    received_at: stored.receivedAt,
    source: stored.source,
    start_time_unix_nano: record.start_time_unix_nano,
    duration_nano: record.duration_nano,
    attributes: recordAttributes(record),
  };
}
