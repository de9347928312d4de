// Finds each record's bytes inside a `{"records":[...]}` batch without building any object: one pass,
// linear in the batch, strings skipped with a native search for their closing quote, nesting bounded.
// The whole batch must be well-formed JSON (else it is refused, as a parse would); each record is then
// judged alone: its size, its depth, whether it is an object, and whether it is one line (no raw LF,
// so its bytes can be spooled as they are). For each record it also notes two of its top-level
// fields, so the caller knows without parsing whether the producer already redacted it
// (`"redacted": true`) and whether it carries a verdict.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_BATCH_DEPTH = 256;

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
}

export interface FramingLimits {
  maxRecords: number;
  maxRecordBytes: number;
  /** Nesting inside a record (the record object itself is 1). */
  maxRecordDepth: number;
}

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

// Bytes of a number or of true/false/null; checked loosely (a bad one fails when the record is read).
function isScalarByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x2b || byte === 0x2e || byte === 0x45;
}

/** The index just past the string that opens at `at` (a quote). */
function stringEnd(buf: Buffer, at: number): number {
  let quote = buf.indexOf(QUOTE, at + 1);
  for (;;) {
    if (quote < 0) throw new FramingError('body: not valid JSON (unterminated string)');
    let backslashes = 0;
    while (buf[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    quote = buf.indexOf(QUOTE, quote + 1);
  }
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
  const fail = (why: string): never => {
    throw new FramingError(`body: not valid JSON (${why})`);
  };

  const valueDone = (): void => {
    const depth = kinds.length;
    if (current !== undefined && depth === recordsArrayDepth) {
      current.end = i;
      finishRecord(current);
      current = undefined;
    }
    expect = depth === 0 ? Expect.Done : Expect.CommaOrEnd;
  };
  const finishRecord = (frame: RecordFrame): void => {
    if (frame.problem === undefined && frame.end - frame.start > limits.maxRecordBytes) frame.problem = `larger than ${limits.maxRecordBytes} bytes`;
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
        kinds.pop();
        i++;
        valueDone();
        continue;
      case Expect.Key:
      case Expect.KeyOrEnd:
        if (byte === 0x7d && expect === Expect.KeyOrEnd) {
          kinds.pop();
          i++;
          valueDone();
          continue;
        }
        if (byte !== QUOTE) fail(`expected a key at byte ${i}`);
        {
          const keyStart = i + 1;
          i = stringEnd(buf, i);
          const keyEnd = i - 1;
          if (depth === 1 && current === undefined && bytesEqual(buf, keyStart, keyEnd, 'records')) keyOfRecord = 'records';
          else if (inRecordTop) keyOfRecord = bytesEqual(buf, keyStart, keyEnd, 'redacted') ? 'redacted' : bytesEqual(buf, keyStart, keyEnd, 'verdict') ? 'verdict' : '';
          else keyOfRecord = '';
        }
        expect = Expect.Colon;
        continue;
      // biome-ignore lint/suspicious/noFallthroughSwitchClause: anything but the end of the array is a value
      case Expect.ValueOrEnd:
        if (byte === 0x5d) {
          kinds.pop();
          i++;
          valueDone();
          continue;
        }
      // fall through: a value
      case Expect.Value: {
        const startsRecord = current === undefined && depth === recordsArrayDepth && recordsArrayDepth > 0;
        if (startsRecord) {
          if (frames.length >= limits.maxRecords) throw new FramingError(`records: at most ${limits.maxRecords} records per batch`);
          current = { start: i, end: i, problem: byte === 0x7b ? undefined : 'expected an object', redacted: false, verdict: false, oneLine: false };
        }
        if (inRecordTop && keyOfRecord === 'verdict') current!.verdict = true;
        if (byte === 0x7b || byte === 0x5b) {
          if (current !== undefined && depth - recordsArrayDepth + 1 > limits.maxRecordDepth) current.problem = `nested deeper than ${limits.maxRecordDepth} levels`;
          // No producer nests this deep; the bound keeps the scanner's own memory small.
          if (depth >= MAX_BATCH_DEPTH) fail(`nested deeper than ${MAX_BATCH_DEPTH} levels`);
          kinds.push(byte === 0x7b ? 0 : 1);
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
          i = stringEnd(buf, i);
          valueDone();
          continue;
        }
        if (!isScalarByte(byte)) fail(`unexpected byte ${byte} at ${i}`);
        const start = i;
        while (i < n && isScalarByte(buf[i]!)) i++;
        if (inRecordTop && keyOfRecord === 'redacted' && bytesEqual(buf, start, i, 'true')) current!.redacted = true;
        valueDone();
        continue;
      }
    }
  }
  if (expect !== Expect.Done) fail('unexpected end');
  if (!sawRecords) throw new FramingError('records: expected an array');
  return frames;
}
