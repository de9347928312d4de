// The framing an authenticated producer states (docs/record-format.md, "Stated framing"): each
// record's length, and where its `,"response":` and `,"verdict":` are, in the request header
// x-gatewarden-frame as `length:response[:verdict]` per record, comma-separated. The TME checks the
// statement against the batch with a few comparisons per record and one native LF search, instead of
// reading every byte in JavaScript (batch-framing.ts, the untrusted producers' path). The compact index
// the inventory reads is found from the record's start and from the stated marks, where the filter's
// encoder writes each field; the bodies in between are never read.
import { MAX_BODY_DATA_BYTES } from './record-schema.ts';
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
  // By hand, a character at a time: split and a pattern per record cost more than the rest of the check.
  const numbers = [0, 0, -1];
  let field = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2c;
    if (c >= 0x30 && c <= 0x39 && digits < 9) {
      numbers[field] = (digits === 0 ? 0 : numbers[field]!) * 10 + (c - 0x30);
      digits++;
    } else if (digits > 0 && c === 0x3a && field < 2) {
      field++;
      digits = 0;
    } else if (digits > 0 && c === 0x2c && field > 0) {
      if (stated.length >= limits.maxRecords) throw new FramingError(`${FRAME_HEADER}: at most ${limits.maxRecords} records per batch`);
      stated.push({ length: numbers[0]!, response: numbers[1]!, verdict: field === 2 ? numbers[2]! : -1 });
      field = 0;
      digits = 0;
    } else {
      const from = text.lastIndexOf(',', i - 1) + 1;
      const to = text.indexOf(',', i);
      const item = text.slice(from, to < 0 ? text.length : to).slice(0, 40);
      throw new FramingError(`${FRAME_HEADER}: records[${stated.length}]: expected length:response[:verdict], got '${item}'`);
    }
  }
  return stated;
}

/** Whether `expected` is at `at`: a loop, as buf.compare's argument checks cost more than these few bytes. */
function bytesAt(buf: Buffer, at: number, expected: Buffer): boolean {
  const n = expected.length;
  if (at < 0 || at + n > buf.length) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== expected[i]) return false;
  return true;
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
  return { bytes, verdict: verdict >= 0, index: redacted ? indexRecord(bytes, response, verdict) : undefined };
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
const SUMMARY = key('{"sampled":false');
const DURATION = key(',"duration_nano":');
/** The record's fields up to the request's headers, in the encoder's order; a slot notes the string. */
const HEAD: readonly { name: Buffer; slot: number; digits?: true }[] = [
  { name: key('"id":'), slot: -1 },
  { name: key(',"service":'), slot: -1 },
  { name: key(',"module_version":'), slot: -1 },
  { name: key(',"start_time_unix_nano":'), slot: -1 },
  { name: DURATION, slot: -1, digits: true },
  { name: key(',"client":{"address":'), slot: Slot.ClientAddress },
  { name: key(',"port":'), slot: -1, digits: true },
];
const PEER = key(',"peer":');
const REQUEST: readonly { name: Buffer; slot: number }[] = [
  { name: key('},"request":{"method":'), slot: Slot.Method },
  { name: key(',"scheme":'), slot: -1 },
  { name: key(',"authority":'), slot: Slot.Authority },
  { name: key(',"path":'), slot: Slot.Path },
  { name: key(',"query":'), slot: Slot.Query },
  { name: key(',"protocol":'), slot: -1 },
];
const HEADERS = key(',"headers":[');
const VERDICT_FIELDS: readonly { name: Buffer; slot: number }[] = [
  { name: VERDICT, slot: Slot.VerdictAction },
  { name: key(',"rule":'), slot: -1 },
  { name: key(',"category":'), slot: Slot.VerdictCategory },
];

/** Plain digits (a JSON integer as the encoder writes it) at `at`: their value, and their end in `digitsEnd` (-1: none). */
let digitsEnd = -1;
function digitsAt(buf: Buffer, at: number): number {
  let value = 0;
  let i = at;
  while (i < buf.length && i - at < 15 && buf[i]! >= 0x30 && buf[i]! <= 0x39) value = value * 10 + (buf[i++]! - 0x30);
  digitsEnd = i > at && (buf[at] !== 0x30 || i === at + 1) ? i : -1;
  return value;
}

function note(index: RecordIndex, slot: number, quote: number, end: number): void {
  index.spans[slot * 2] = quote + 1;
  index.spans[slot * 2 + 1] = end;
  if (stringEscaped) index.escaped |= 1 << slot;
}

/**
 * The string fields `fields` at `at` one after the other, noting their slots: where the last one ends,
 * or -1 when one is not there.
 */
function stringFields(record: Buffer, at: number, fields: readonly { name: Buffer; slot: number }[], index: RecordIndex): number {
  for (const { name, slot } of fields) {
    if (!bytesAt(record, at, name)) return -1;
    const end = findString(record, at + name.length);
    if (end < 0) return -1;
    if (slot >= 0) note(index, slot, at + name.length, end);
    at = end + 1;
  }
  return at;
}

/**
 * The record's compact index, read where the filter's encoder (capture/exchange.ts writeRecord) writes
 * each field, byte by byte from the record's start up to the request's headers, from the stated marks
 * for the response and the verdict; the bodies are never read. Undefined when a field is not where the
 * encoder puts it: the record is then parsed and validated like an unmarked one.
 */
function indexRecord(record: Buffer, response: number, verdict: number): RecordIndex | undefined {
  const index = new RecordIndex();
  // The id follows the record's `{`, or the `,` after a summary's mark.
  const summary = bytesAt(record, 0, SUMMARY);
  let at = summary ? SUMMARY.length : 0;
  if (record[at] !== (summary ? 0x2c : 0x7b)) return undefined;
  at++;
  for (let k = 0; k < HEAD.length; k++) {
    const { name, slot, digits } = HEAD[k]!;
    if (!bytesAt(record, at, name)) return undefined;
    const from = at + name.length;
    if (digits) {
      const value = digitsAt(record, from);
      if (digitsEnd < 0) return undefined;
      if (name === DURATION) index.durationNano = value;
      at = digitsEnd;
    } else {
      const end = findString(record, from);
      if (end < 0) return undefined;
      if (slot >= 0) note(index, slot, from, end);
      at = end + 1;
    }
  }
  if (bytesAt(record, at, PEER)) at = findString(record, at + PEER.length) + 1;
  if (at <= 0) return undefined;
  at = stringFields(record, at, REQUEST, index);
  if (at < 0 || !bytesAt(record, at, HEADERS) || !contentType(record, at + HEADERS.length, Slot.RequestContentType, index))
    return undefined;
  index.status = digitsAt(record, response + RESPONSE.length);
  if (digitsEnd < 0 || index.status > 999) return undefined;
  if (!bytesAt(record, digitsEnd, HEADERS) || !contentType(record, digitsEnd + HEADERS.length, Slot.ResponseContentType, index))
    return undefined;
  if (verdict >= 0 && stringFields(record, verdict, VERDICT_FIELDS, index) < 0) return undefined;
  bodySpan(record, at, response, Slot.RequestBody, index);
  // The response closes before the verdict, or before the `,"redacted":true}` every indexed record ends with.
  bodySpan(record, digitsEnd, verdict >= 0 && verdict > digitsEnd ? verdict : record.length - REDACTED.length, Slot.ResponseBody, index);
  return index;
}

const BODY_DATA = key(',"body":{"data":"');
const UTF8_DATA_END = key('","encoding":"utf8"');
const SIZE = key(',"size":');
const TRUNCATED = key(',"truncated":');
const TRUE_END = key('true}');
const FALSE_END = key('false}');

/**
 * Where a body's data ends when the body is the last field of the object that closes at `to` (the
 * encoder writes it last in the request, and in a response without a gRPC status):
 * `...","encoding":"utf8","size":N,"truncated":B}}` read backwards from `to`, or -1. Inside a JSON
 * string every quote is escaped, so the structure's is the only `","encoding":"utf8"` of the body;
 * reading its tail costs a few compares where a search forward reads the whole body.
 */
function dataEndBefore(record: Buffer, to: number): number {
  if (record[to - 1] !== 0x7d) return -1;
  let at = to - 1;
  if (bytesAt(record, at - FALSE_END.length, FALSE_END)) at -= FALSE_END.length;
  else if (bytesAt(record, at - TRUE_END.length, TRUE_END)) at -= TRUE_END.length;
  else return -1;
  if (!bytesAt(record, at - TRUNCATED.length, TRUNCATED)) return -1;
  at -= TRUNCATED.length;
  const digitsTo = at;
  while (at > 0 && record[at - 1]! >= 0x30 && record[at - 1]! <= 0x39) at--;
  if (at === digitsTo || !bytesAt(record, at - SIZE.length, SIZE)) return -1;
  at -= SIZE.length + UTF8_DATA_END.length;
  return bytesAt(record, at, UTF8_DATA_END) ? at : -1;
}

/**
 * Notes where a text body's data lies between `from` and `to` (the inventory reads its field names
 * there), found by a native search for its start and its end read backwards from `to` (or a second
 * search, when the body is not the object's last field): inside a JSON string every quote is escaped,
 * so neither sequence can occur in a value, and the first of each is the structure's. A base64 body,
 * or none, is left unnoted, as the scanner leaves it. Searches from offsets rather than in a subarray:
 * the subarrays cost more than the searches.
 */
function bodySpan(record: Buffer, from: number, to: number, slot: Slot, index: RecordIndex): void {
  const at = record.indexOf(BODY_DATA, from);
  if (at < 0 || at + BODY_DATA.length > to) return;
  const start = at + BODY_DATA.length;
  let end = dataEndBefore(record, to);
  if (end < start) {
    end = record.indexOf(UTF8_DATA_END, start);
    if (end < 0 || end + UTF8_DATA_END.length > to) return;
  }
  // Escapes make the decoded text shorter than its JSON: the scanner leaves a longer one to the parse.
  if (end - start > MAX_BODY_DATA_BYTES) return;
  index.spans[slot * 2] = start;
  index.spans[slot * 2 + 1] = end;
  const backslash = record.indexOf(0x5c, start);
  if (backslash >= 0 && backslash < end) index.escaped |= 1 << slot;
}

const CONTENT_TYPE = 'content-type';

/**
 * Notes the value of the first content-type pair of the header list that starts at `at` (past its
 * `[`), reading pairs up to it; false when the list is not pairs of strings up to there.
 */
function contentType(record: Buffer, at: number, slot: Slot, index: RecordIndex): boolean {
  let i = at;
  for (;;) {
    if (record[i] === 0x5d) return true;
    if (record[i] !== 0x5b) return false;
    const nameEnd = findString(record, i + 1);
    if (nameEnd < 0) return false;
    // A name spelt with escapes may be content-type: the parse tells.
    if (stringEscaped) return false;
    const isContentType = nameEnd - i - 2 === CONTENT_TYPE.length && equalsIgnoringCase(record, i + 2, CONTENT_TYPE);
    if (record[nameEnd + 1] !== 0x2c) return false;
    const valueEnd = findString(record, nameEnd + 2);
    if (valueEnd < 0 || record[valueEnd + 1] !== 0x5d) return false;
    if (isContentType) {
      note(index, slot, nameEnd + 2, valueEnd);
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
