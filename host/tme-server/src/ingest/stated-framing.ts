// The framing an authenticated producer states (docs/record-format.md, "Stated framing"): each
// record's length, and where its `,"response":` and `,"verdict":` are, in the request header
// x-gatewarden-frame as `length:response[:verdict]` per record, comma-separated. The TME checks the
// statement against the batch with a few comparisons per record and one native LF search, instead of
// reading every byte in JavaScript (batch-framing.ts, the untrusted producers' path). The compact index
// the inventory reads is found from the record's start and from the stated marks, where the filter's
// encoder writes each field; the bodies in between are never read.
import { RecordIndex, Slot } from './record-shape.ts';
import { FramingError, type FramingLimits } from './batch-framing.ts';

export const FRAME_HEADER = 'x-gatewarden-frame';

export interface StatedRecord {
  length: number;
  /** Offset of `,"response":` in the record. */
  response: number;
  /** Offset of `,"verdict":`, or -1. */
  verdict: number;
}

export interface CheckedRecord {
  bytes: Buffer;
  verdict: boolean;
  /** Marked `"redacted": true` and its index found where the encoder writes it: stored as its bytes. */
  index: RecordIndex | undefined;
}

const OPEN = Buffer.from('{"records":[');
const CLOSE = Buffer.from(']}');
const RESPONSE = Buffer.from(',"response":{"status":');
const VERDICT = Buffer.from(',"verdict":{"action":');
const REDACTED = Buffer.from(',"redacted":true}');

/** The statement's records; throws FramingError when it is not `length:response[:verdict]`, comma-separated. */
export function parseFrame(text: string, limits: FramingLimits): StatedRecord[] {
  const stated: StatedRecord[] = [];
  if (text === '') return stated;
  for (const item of text.split(',')) {
    if (stated.length >= limits.maxRecords) throw new FramingError(`${FRAME_HEADER}: at most ${limits.maxRecords} records per batch`);
    const [length, response, verdict, extra] = item.split(':');
    const numbers = [length, response, ...(verdict === undefined ? [] : [verdict])];
    if (extra !== undefined || !numbers.every((n) => n !== undefined && /^\d{1,9}$/.test(n)))
      throw new FramingError(`${FRAME_HEADER}: records[${stated.length}]: expected length:response[:verdict], got '${item.slice(0, 40)}'`);
    stated.push({ length: Number(length), response: Number(response), verdict: verdict === undefined ? -1 : Number(verdict) });
  }
  return stated;
}

function bytesAt(buf: Buffer, at: number, expected: Buffer): boolean {
  return at >= 0 && at + expected.length <= buf.length && buf.compare(expected, 0, expected.length, at, at + expected.length) === 0;
}

/**
 * Checks a batch against its stated framing, completely: the envelope, each record's bounds (`{` …
 * `}`, at most maxRecordBytes, separated by exactly one comma, the lengths adding up to the body), no
 * raw LF anywhere, and each stated mark inside its record on the bytes the encoder writes there. Throws
 * FramingError naming the first inconsistency: the batch is refused as a whole.
 */
export function checkStated(batch: Buffer, stated: readonly StatedRecord[], limits: FramingLimits): CheckedRecord[] {
  const fail = (why: string): never => {
    throw new FramingError(`${FRAME_HEADER}: ${why}`);
  };
  if (!bytesAt(batch, 0, OPEN)) fail(`the body does not start with ${OPEN}`);
  const lf = batch.indexOf(0x0a);
  if (lf >= 0) fail(`a raw LF at byte ${lf} of the body (records are one line each)`);
  const records: CheckedRecord[] = [];
  let at = OPEN.length;
  for (let i = 0; i < stated.length; i++) {
    const { length } = stated[i]!;
    const end = at + length;
    const where = `records[${i}]`;
    if (length > limits.maxRecordBytes) fail(`${where}: larger than ${limits.maxRecordBytes} bytes`);
    if (end > batch.length) fail(`${where}: stated length ${length} runs past the body's end`);
    if (batch[at] !== 0x7b || batch[end - 1] !== 0x7d) fail(`${where}: the stated ${length} bytes are not one object ('{' … '}')`);
    records.push(checkRecord(batch.subarray(at, end), stated[i]!, where));
    at = end;
    if (i + 1 < stated.length) {
      if (batch[at] !== 0x2c) fail(`${where}: expected ',' after its stated length, at byte ${at}`);
      at++;
    }
  }
  if (at + CLOSE.length !== batch.length || !bytesAt(batch, at, CLOSE))
    fail(`the stated lengths end at byte ${at}, the body (${batch.length} bytes) does not end there with ${CLOSE}`);
  return records;
}

/**
 * One record's stated marks, checked (FramingError names what is wrong), and its index when it is marked
 * `"redacted": true` and its fields are where the encoder writes them.
 */
export function checkRecord(bytes: Buffer, { response, verdict }: StatedRecord, where: string): CheckedRecord {
  if (!bytesAt(bytes, response, RESPONSE))
    throw new FramingError(`${FRAME_HEADER}: ${where}: no ${RESPONSE} at the stated offset ${response}`);
  if (verdict >= 0 && (verdict <= response || !bytesAt(bytes, verdict, VERDICT)))
    throw new FramingError(`${FRAME_HEADER}: ${where}: no ${VERDICT} after the response at the stated offset ${verdict}`);
  const redacted = bytesAt(bytes, bytes.length - REDACTED.length, REDACTED);
  return { bytes, verdict: verdict >= 0, index: redacted ? indexOf(bytes, response, verdict) : undefined };
}

// What findString saw: the string's end (its closing quote), and whether it holds escapes.
let stringEscaped = false;

const ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrtu') ESCAPE[c.charCodeAt(0)] = 1;

/**
 * The closing quote of the string that opens at `at`, or -1 when there is none or it holds what
 * JSON.parse would refuse (a raw control character, an unknown escape): the index decodes its strings
 * with JSON.parse when they hold escapes, and must not throw. These are short strings (a method, a
 * path, a header), read in JavaScript.
 */
function findString(buf: Buffer, at: number): number {
  if (buf[at] !== 0x22) return -1;
  const n = buf.length;
  let escaped = false;
  for (let i = at + 1; i < n; i++) {
    const c = buf[i]!;
    if (c === 0x22) {
      stringEscaped = escaped;
      return i;
    }
    if (c < 0x20) return -1;
    if (c === 0x5c) {
      const e = buf[i + 1] ?? 0;
      if (ESCAPE[e] === 0) return -1;
      if (e === 0x75 && !/^[0-9a-fA-F]{4}$/.test(buf.toString('latin1', i + 2, i + 6))) return -1;
      escaped = true;
      i++;
    }
  }
  return -1;
}

const key = (text: string): Buffer => Buffer.from(text);
const DURATION = key(',"duration_nano":');
const CLIENT = key(',"client":{"address":');
const REQUEST_KEYS = [',"request":{"method":', ',"scheme":', ',"authority":', ',"path":', ',"query":', ',"protocol":'].map(key);
const REQUEST_SLOTS = [Slot.Method, -1, Slot.Authority, Slot.Path, Slot.Query, -1];
const HEADERS = key(',"headers":[');
const VERDICT_KEYS = [VERDICT, key(',"rule":'), key(',"category":')];
const VERDICT_SLOTS = [Slot.VerdictAction, -1, Slot.VerdictCategory];

/** Plain digits (a JSON integer as the encoder writes it) at `at`: their value and end, or -1. */
let digitsEnd = -1;
function digitsAt(buf: Buffer, at: number): number {
  let value = 0;
  let i = at;
  while (i < buf.length && i - at < 15 && buf[i]! >= 0x30 && buf[i]! <= 0x39) value = value * 10 + (buf[i++]! - 0x30);
  digitsEnd = i > at && (buf[at] !== 0x30 || i === at + 1) ? i : -1;
  return value;
}

/**
 * The record's compact index, read where the filter's encoder (capture/exchange.ts writeRecord) writes
 * each field: the request's fields and the client before the request's headers, the response's status
 * and headers at the stated response mark, the verdict's at the stated verdict mark. Undefined when a
 * field is not where the encoder puts it: the record is then parsed and validated like an unmarked one.
 */
export function indexOf(record: Buffer, response: number, verdict: number): RecordIndex | undefined {
  const index = new RecordIndex();
  const spans = index.spans;
  const note = (slot: number, start: number, end: number): void => {
    spans[slot * 2] = start + 1;
    spans[slot * 2 + 1] = end;
    if (stringEscaped) index.escaped |= 1 << slot;
  };
  // The fields before the client are fixed in number and short: a search from the start finds them.
  const duration = record.indexOf(DURATION);
  if (duration < 0 || duration > response) return undefined;
  index.durationNano = digitsAt(record, duration + DURATION.length);
  if (digitsEnd < 0) return undefined;
  if (!bytesAt(record, digitsEnd, CLIENT)) return undefined;
  let at = digitsEnd + CLIENT.length;
  let end = findString(record, at);
  if (end < 0) return undefined;
  note(Slot.ClientAddress, at, end);
  // The client's port and peer, then the request's fields in the encoder's order.
  at = record.indexOf(REQUEST_KEYS[0]!, end);
  if (at < 0 || at > response) return undefined;
  for (let k = 0; k < REQUEST_KEYS.length; k++) {
    const name = REQUEST_KEYS[k]!;
    if (!bytesAt(record, at, name)) return undefined;
    end = findString(record, at + name.length);
    if (end < 0) return undefined;
    const slot = REQUEST_SLOTS[k]!;
    if (slot >= 0) note(slot, at + name.length, end);
    at = end + 1;
  }
  if (!bytesAt(record, at, HEADERS) || !contentType(record, at + HEADERS.length, Slot.RequestContentType, note)) return undefined;
  index.status = digitsAt(record, response + RESPONSE.length);
  if (digitsEnd < 0 || index.status > 999) return undefined;
  if (!bytesAt(record, digitsEnd, HEADERS) || !contentType(record, digitsEnd + HEADERS.length, Slot.ResponseContentType, note))
    return undefined;
  if (verdict >= 0) {
    at = verdict;
    for (let k = 0; k < VERDICT_KEYS.length; k++) {
      const name = VERDICT_KEYS[k]!;
      if (!bytesAt(record, at, name)) return undefined;
      end = findString(record, at + name.length);
      if (end < 0) return undefined;
      const slot = VERDICT_SLOTS[k]!;
      if (slot >= 0) note(slot, at + name.length, end);
      at = end + 1;
    }
  }
  return index;
}

const CONTENT_TYPE = 'content-type';

/**
 * Notes the value of the first content-type pair of the header list that starts at `at` (past its
 * `[`), reading pairs up to it; false when the list is not pairs of strings up to there.
 */
function contentType(record: Buffer, at: number, slot: Slot, note: (slot: number, start: number, end: number) => void): boolean {
  let i = at;
  for (;;) {
    if (record[i] === 0x5d) return true;
    if (record[i] !== 0x5b) return false;
    const nameEnd = findString(record, i + 1);
    if (nameEnd < 0) return false;
    const isContentType = !stringEscaped && nameEnd - i - 2 === CONTENT_TYPE.length && equalsIgnoringCase(record, i + 2, CONTENT_TYPE);
    if (stringEscaped) return false; // a name spelt with escapes may be content-type: the parse tells
    if (record[nameEnd + 1] !== 0x2c) return false;
    const valueEnd = findString(record, nameEnd + 2);
    if (valueEnd < 0 || record[valueEnd + 1] !== 0x5d) return false;
    if (isContentType) {
      note(slot, nameEnd + 2, valueEnd);
      return true;
    }
    i = valueEnd + 2;
    if (record[i] === 0x2c) i++;
    else if (record[i] !== 0x5d) return false;
  }
}

function equalsIgnoringCase(buf: Buffer, start: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((buf[start + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}
