// A capture is what the TME keeps of an accepted, redacted record: its spool line, held as bytes in
// the ring and appended to the spool as they are. The line is the record's own JSON (as the producer
// encoded it, or as the slow path re-encoded it after redaction) wrapped with the TME's fields:
//
//   {"record":<the record>,"id":"<uuid>","source":"gatewarden","received_at":"<ISO 8601>"}\n
//
// The TME's fields come last: a record whose producer stated its framing is not checked to be one JSON
// value, and one that closes itself early could add keys to the line; a reader that keeps a repeated
// key's last value (JSON.parse, most parsers) still reads the TME's own.
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
  /** The record's JSON. */
  record: Buffer;
  /** The line's end after the record: the TME's fields and the newline. */
  tail: Buffer;
  /** Bytes of the whole spool line. */
  size: number;
}

const LINE_HEAD = Buffer.from('{"record":');

function lineTail(id: string, source: CaptureSource, receivedAt: string): string {
  return `,"id":"${id}","source":"${source}","received_at":"${receivedAt}"}\n`;
}

/** The last four hex digits of the id of each record of a batch (at most 1000 per batch, 64 per ext_proc batch). */
const ID_SUFFIXES = Array.from({ length: 1024 }, (_, i) => i.toString(16).padStart(4, '0'));
const ID_SUFFIX_AT = ',"id":"'.length + 32;

/**
 * Captures of the records of one batch, each already one line of redacted JSON, received at
 * `receivedAt`. One random UUID per batch, each record's id that UUID with its last four hex digits
 * replaced by the record's place in the batch (unique: 106 random bits remain); so every line's tail
 * is the same but for those digits, and the tails are one buffer filled natively instead of one string
 * and one buffer per record.
 */
export function storeEncoded(records: readonly Buffer[], source: CaptureSource, receivedAt: string): StoredCapture[] {
  const n = records.length;
  if (n > ID_SUFFIXES.length) throw new Error(`at most ${ID_SUFFIXES.length} records stored at once`);
  const base = randomUUID().slice(0, 32);
  const template = Buffer.from(lineTail(`${base}0000`, source, receivedAt), 'latin1');
  const length = template.length;
  const tails = Buffer.allocUnsafe(n * length).fill(template);
  const stored: StoredCapture[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const suffix = ID_SUFFIXES[i]!;
    const tail = tails.subarray(i * length, (i + 1) * length);
    tail.write(suffix, ID_SUFFIX_AT, 'latin1');
    const record = records[i]!;
    stored[i] = { id: base + suffix, source, receivedAt, record, tail, size: LINE_HEAD.length + record.length + length };
  }
  return stored;
}

/** Captures of parsed (and already redacted) records. */
export function storeRecords(records: readonly CaptureRecord[], source: CaptureSource, receivedAt: string): StoredCapture[] {
  // JSON.stringify escapes line breaks: each record stays on one line.
  return storeEncoded(
    records.map((record) => Buffer.from(JSON.stringify(record))),
    source,
    receivedAt,
  );
}

/** The spool lines of `stored`, as the buffers to write one after the other. */
export function lineParts(stored: readonly StoredCapture[]): Buffer[] {
  const parts: Buffer[] = new Array(stored.length * 3);
  for (let i = 0; i < stored.length; i++) {
    const { record, tail } = stored[i]!;
    parts[i * 3] = LINE_HEAD;
    parts[i * 3 + 1] = record;
    parts[i * 3 + 2] = tail;
  }
  return parts;
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
