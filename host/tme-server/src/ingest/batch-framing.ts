// Finds each record's bytes inside a `{"records":[...]}` batch without building any object: one pass,
// linear in the batch, nesting bounded. The batch's structure must be well-formed JSON (else it is
// refused, as a parse would); each record is then judged alone: its size, its depth, whether it is an
// object, whether it is one line (no raw LF, so its bytes can be spooled as they are), and whether it
// has the record's shape with valid strings and numbers (record-shape.ts) — what a record must pass to
// be stored without a parse. On the way it notes the record's compact index (the fields the inventory
// counts by) and two top-level fields: whether the producer already redacted it (`"redacted": true`)
// and whether it carries a verdict.
import { MAX_RECORD_BYTES, MAX_RECORD_DEPTH, MAX_RECORDS_PER_BATCH } from './record-schema.ts';
import { RecordIndex, Scalar, scalarKind, ShapeCheck } from './record-shape.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_BATCH_DEPTH = 256;

// What a byte is inside a string: 0 ordinary, 1 the closing quote, 2 a backslash, 3 a control
// character (not allowed raw in JSON).
const IN_STRING = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) IN_STRING[b] = 3;
IN_STRING[QUOTE] = 1;
IN_STRING[BACKSLASH] = 2;
// The byte after a backslash: 1 a one-byte escape, 2 `u` (four hex digits follow).
const ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPE[c.charCodeAt(0)] = 1;
ESCAPE[0x75] = 2;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

export interface RecordFrame {
  start: number;
  end: number;
  /** Deeper than the limit, or not an object: rejected without a parse. */
  problem: string | undefined;
  /** Top-level `"redacted": true`. */
  redacted: boolean;
  /** A top-level `"verdict"` field. */
  verdict: boolean;
  /** No raw LF inside: the bytes can be one spool line as they are. */
  oneLine: boolean;
  /** The record's shape is right and its strings and numbers are valid JSON: it needs no parse. */
  fits: boolean;
  /** Its noted fields, offsets into the record's bytes (meaningful when it fits). */
  index: RecordIndex;
}

export interface FramingLimits {
  maxRecords: number;
  maxRecordBytes: number;
  /** Nesting inside a record (the record object itself is 1). */
  maxRecordDepth: number;
}

/** The record format's bounds (record-schema.ts), as the framing applies them. */
export const RECORD_FRAMING: FramingLimits = {
  maxRecords: MAX_RECORDS_PER_BATCH,
  maxRecordBytes: MAX_RECORD_BYTES,
  maxRecordDepth: MAX_RECORD_DEPTH,
};

export class FramingError extends Error {}

// What the scanner expects next inside the innermost container.
const enum Expect {
  Value,
  KeyOrEnd, // just after `{`
  Key, // after `,` in an object
  Colon,
  ValueOrEnd, // just after `[`
  CommaOrEnd,
  Done,
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

// Bytes of a number or of true/false/null; scalarKind tells which, if any.
function isScalarByte(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x2b || byte === 0x2e || byte === 0x45
  );
}

// What the last string scanned held, beside its end (module state: no object per string).
let stringEscaped = false;
let stringValid = true;

/**
 * The index just past the string that opens at `at` (a quote), one byte at a time through a table; sets
 * `stringEscaped` (it holds escapes) and `stringValid` (no raw control character, every escape valid).
 */
function stringEnd(buf: Buffer, at: number): number {
  // Tables and flags as locals: a module-level binding is loaded (and checked) at every byte otherwise.
  const inString = IN_STRING;
  const escapes = ESCAPE;
  const hex = HEX;
  const n = buf.length;
  let i = at + 1;
  let escaped = false;
  let valid = true;
  for (;;) {
    let c = 0;
    while (i < n && (c = inString[buf[i]!]!) === 0) i++;
    if (i >= n) throw new FramingError('body: not valid JSON (unterminated string)');
    if (c === 1) break;
    if (c === 3) {
      valid = false;
      i++;
      continue;
    }
    escaped = true;
    const kind = i + 1 < n ? escapes[buf[i + 1]!]! : 0;
    if (kind === 1) i += 2;
    else if (kind === 2 && i + 5 < n && hex[buf[i + 2]!]! & hex[buf[i + 3]!]! & hex[buf[i + 4]!]! & hex[buf[i + 5]!]!) i += 6;
    else {
      // Not a valid escape; the byte after the backslash is still skipped, so `\"` does not end the string.
      valid = false;
      i += 2;
    }
  }
  stringEscaped = escaped;
  stringValid = valid;
  return i + 1;
}

function bytesEqual(buf: Buffer, start: number, end: number, ascii: string): boolean {
  if (end - start !== ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[start + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/**
 * Frames the records of a batch. Throws FramingError when the batch is not well-formed JSON, is not an
 * object with a `records` array, or holds more than `maxRecords` records.
 */
export function frameBatch(buf: Buffer, limits: FramingLimits): RecordFrame[] {
  const frames: RecordFrame[] = [];
  const kinds: number[] = []; // the open containers: 0 = object, 1 = array
  let expect = Expect.Value as Expect;
  let recordsArrayDepth = -1; // depth of the `records` array once entered
  let current: RecordFrame | undefined;
  let keyOfRecord = ''; // the record's top-level key whose value comes next
  let sawRecords = false;
  let nextLf = buf.indexOf(0x0a);
  const shape = new ShapeCheck();
  const fail = (why: string): never => {
    throw new FramingError(`body: not valid JSON (${why})`);
  };

  // `end` is passed, not read from the loop's `i`: a variable a closure reads lives on the heap, and the
  // loop moves `i` at every byte.
  const close = (end: number): void => {
    kinds.pop();
    if (current !== undefined) shape.closeContainer();
    valueDone(end);
  };
  const valueDone = (end: number): void => {
    const depth = kinds.length;
    if (current !== undefined && depth === recordsArrayDepth) {
      current.end = end;
      finishRecord(current);
      current = undefined;
    }
    expect = depth === 0 ? Expect.Done : Expect.CommaOrEnd;
  };
  const finishRecord = (frame: RecordFrame): void => {
    if (frame.problem === undefined && frame.end - frame.start > limits.maxRecordBytes)
      frame.problem = `larger than ${limits.maxRecordBytes} bytes`;
    frame.fits = frame.problem === undefined && shape.fits;
    if (frame.problem === undefined) {
      // The next LF of the batch, searched again only once passed: one scan of the batch in all.
      if (nextLf >= 0 && nextLf < frame.start) nextLf = buf.indexOf(0x0a, frame.start);
      frame.oneLine = nextLf < 0 || nextLf >= frame.end;
    }
    frames.push(frame);
  };

  let i = 0;
  const n = buf.length;
  while (i < n) {
    const byte = buf[i]!;
    if (isWhitespace(byte)) {
      i++;
      continue;
    }
    const depth = kinds.length;
    const inRecordTop = current !== undefined && depth === recordsArrayDepth + 1;
    switch (expect) {
      case Expect.Done:
        fail('trailing data');
        break;
      case Expect.Colon:
        if (byte !== 0x3a) fail(`expected ':' at byte ${i}`);
        expect = Expect.Value;
        i++;
        continue;
      case Expect.CommaOrEnd:
        if (byte === 0x2c) {
          expect = kinds[depth - 1] === 0 ? Expect.Key : Expect.Value;
          i++;
          continue;
        }
        if (byte !== (kinds[depth - 1] === 0 ? 0x7d : 0x5d)) fail(`expected ',' or the end of a container at byte ${i}`);
        i++;
        close(i);
        continue;
      case Expect.Key:
      case Expect.KeyOrEnd:
        if (byte === 0x7d && expect === Expect.KeyOrEnd) {
          i++;
          close(i);
          continue;
        }
        if (byte !== QUOTE) fail(`expected a key at byte ${i}`);
        {
          const keyStart = i + 1;
          i = stringEnd(buf, i);
          const keyEnd = i - 1;
          if (current !== undefined) {
            if (!stringValid) shape.fits = false;
            shape.key(keyStart, keyEnd, stringEscaped);
          }
          if (depth === 1 && current === undefined && bytesEqual(buf, keyStart, keyEnd, 'records')) keyOfRecord = 'records';
          else if (inRecordTop)
            keyOfRecord = bytesEqual(buf, keyStart, keyEnd, 'redacted')
              ? 'redacted'
              : bytesEqual(buf, keyStart, keyEnd, 'verdict')
                ? 'verdict'
                : '';
          else keyOfRecord = '';
          // The fast path knows a summary by its first bytes (isSummary); a `sampled` key anywhere else
          // sends the record through the parse, where it is read wherever it is.
          if (inRecordTop && expect === Expect.Key && bytesEqual(buf, keyStart, keyEnd, 'sampled')) shape.fits = false;
        }
        expect = Expect.Colon;
        continue;
      // biome-ignore lint/suspicious/noFallthroughSwitchClause: anything but the end of the array is a value
      case Expect.ValueOrEnd:
        if (byte === 0x5d) {
          i++;
          close(i);
          continue;
        }
      // fall through: a value
      case Expect.Value: {
        const startsRecord = current === undefined && depth === recordsArrayDepth && recordsArrayDepth > 0;
        if (startsRecord) {
          if (frames.length >= limits.maxRecords) throw new FramingError(`records: at most ${limits.maxRecords} records per batch`);
          shape.begin(buf, i);
          current = {
            start: i,
            end: i,
            problem: byte === 0x7b ? undefined : 'expected an object',
            redacted: false,
            verdict: false,
            oneLine: false,
            fits: false,
            index: shape.index,
          };
        }
        if (inRecordTop && keyOfRecord === 'verdict') current!.verdict = true;
        if (byte === 0x7b || byte === 0x5b) {
          if (current !== undefined && depth - recordsArrayDepth + 1 > limits.maxRecordDepth)
            current.problem = `nested deeper than ${limits.maxRecordDepth} levels`;
          // No producer nests this deep; the bound keeps the scanner's own memory small.
          if (depth >= MAX_BATCH_DEPTH) fail(`nested deeper than ${MAX_BATCH_DEPTH} levels`);
          kinds.push(byte === 0x7b ? 0 : 1);
          if (current !== undefined) shape.openContainer(byte === 0x7b);
          if (byte === 0x5b && depth === 1 && current === undefined && keyOfRecord === 'records') {
            if (sawRecords) fail('records given twice');
            recordsArrayDepth = kinds.length;
            sawRecords = true;
          }
          expect = byte === 0x7b ? Expect.KeyOrEnd : Expect.ValueOrEnd;
          i++;
          continue;
        }
        if (byte === QUOTE) {
          const start = i + 1;
          i = stringEnd(buf, i);
          if (current !== undefined) {
            if (!stringValid) shape.fits = false;
            shape.string(start, i - 1, stringEscaped);
          }
          valueDone(i);
          continue;
        }
        if (!isScalarByte(byte)) fail(`unexpected byte ${byte} at ${i}`);
        const start = i;
        while (i < n && isScalarByte(buf[i]!)) i++;
        if (current !== undefined) {
          const kind = scalarKind(buf, start, i);
          if (kind === Scalar.Invalid) shape.fits = false;
          shape.scalar(start, i, kind);
          if (inRecordTop && keyOfRecord === 'redacted' && kind === Scalar.True) current.redacted = true;
        }
        valueDone(i);
        continue;
      }
    }
  }
  if (expect !== Expect.Done) fail('unexpected end');
  if (!sawRecords) throw new FramingError('records: expected an array');
  return frames;
}
