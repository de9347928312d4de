// The record's shape (record-schema.ts) as the batch framing checks it while it passes over the bytes,
// and the few fields it notes on the way (the record's compact index). The check is a cheap filter, not
// a second validator: a record it cannot vouch for (a wrong type, a missing or repeated field, a key, a
// digit string or an encoding spelt with escapes, a number spelt other than as plain digits, a base64
// body with a foreign byte, text data whose size only decoding can tell) takes the slow path, where the
// schema names what is wrong. Unknown fields are skipped, as the schema strips them. Noted strings may
// hold escapes: the index decodes them when read.
import { MAX_BODY_DATA_BYTES, MAX_HEADER_PAIRS } from './record-schema.ts';

/** Fields the index notes: what the inventory counts a capture by. */
export const enum Slot {
  Method,
  Authority,
  Path,
  Query,
  ClientAddress,
  RequestContentType,
  ResponseContentType,
  VerdictAction,
  VerdictCategory,
  /** A body's data, when not base64: its field names are read from it (inventory/key-signature.ts). */
  RequestBody,
  ResponseBody,
}
const SLOTS = 11;
/** Copied for each index: slicing a packed array of small integers costs less than filling a new one. */
const NO_SPANS: readonly number[] = new Array<number>(SLOTS * 2).fill(0);

type Leaf = 'string' | 'digits' | 'uint' | 'port' | 'status' | 'bool' | 'encoding' | 'any';

interface Field {
  name: string;
  /** The name's bytes, compared with a key's. */
  nameBytes: Uint8Array;
  shape: Shape;
  /** Bit in the object's seen-mask (every known field has one, to refuse repeats). */
  bit: number;
  slot?: Slot;
}

/**
 * One type with every member for every kind, so that the check's reads of a shape see one object
 * layout (a property read over several layouts is several times slower, and it runs per token).
 */
interface Shape {
  kind: 'object' | 'headers' | 'pair' | 'leaf';
  /** object: its known fields, and the bits of the required ones; a body's data is checked at its end. */
  fields: Field[];
  /** object: its fields by the length of their name, so that a key is compared with one or two names. */
  byLength: Field[][];
  required: number;
  body: boolean;
  /** headers: the slot that notes the first content-type value, or -1. */
  contentType: number;
  leaf: Leaf;
}

function shapeOf(
  kind: Shape['kind'],
  { fields = [], required = 0, body = false, contentType = -1, leaf = 'any' }: Partial<Omit<Shape, 'byLength'>> = {},
): Shape {
  const byLength: Field[][] = [];
  for (const field of fields) (byLength[field.name.length] ??= []).push(field);
  return { kind, fields, byLength, required, body, contentType, leaf };
}

const leaf = (l: Leaf): Shape => shapeOf('leaf', { leaf: l });
const PAIR = shapeOf('pair');
const STRING = leaf('string');
const headers = (contentType = -1): Shape => shapeOf('headers', { contentType });

function object(spec: Record<string, [Shape, boolean, Slot?]>, body = false): Shape {
  const fields: Field[] = [];
  let required = 0;
  Object.entries(spec).forEach(([name, [shape, isRequired, slot]], bit) => {
    fields.push({ name, nameBytes: Buffer.from(name, 'latin1'), shape, bit, slot });
    if (isRequired) required |= 1 << bit;
  });
  return shapeOf('object', { fields, required, body });
}

function bytesEqual(buf: Buffer, start: number, end: number, ascii: string): boolean {
  if (end - start !== ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[start + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** The known field a key names, compared as bytes (no string built per key). */
function fieldNamed(shape: Shape, buf: Buffer, start: number, end: number): Field | undefined {
  const candidates = shape.byLength[end - start];
  if (candidates === undefined) return undefined;
  for (const field of candidates) {
    const name = field.nameBytes;
    let i = 0;
    while (i < name.length && buf[start + i] === name[i]) i++;
    if (i === name.length) return field;
  }
  return undefined;
}

const BODY = object(
  { data: [leaf('string'), true], encoding: [leaf('encoding'), true], size: [leaf('uint'), true], truncated: [leaf('bool'), true] },
  true,
);

export const RECORD_SHAPE: Shape = object({
  id: [leaf('string'), true],
  service: [leaf('string'), true],
  module_version: [leaf('string'), true],
  start_time_unix_nano: [leaf('digits'), true],
  duration_nano: [leaf('uint'), true],
  client: [
    object({ address: [leaf('string'), true, Slot.ClientAddress], port: [leaf('port'), true], peer: [leaf('string'), false] }),
    true,
  ],
  request: [
    object({
      method: [leaf('string'), true, Slot.Method],
      scheme: [leaf('string'), true],
      authority: [leaf('string'), true, Slot.Authority],
      path: [leaf('string'), true, Slot.Path],
      query: [leaf('string'), true, Slot.Query],
      protocol: [leaf('string'), true],
      headers: [headers(Slot.RequestContentType), true],
      trailers: [headers(), false],
      body: [BODY, false],
    }),
    true,
  ],
  response: [
    object({
      status: [leaf('status'), true],
      headers: [headers(Slot.ResponseContentType), true],
      trailers: [headers(), false],
      body: [BODY, false],
      grpc_status: [leaf('digits'), false],
    }),
    true,
  ],
  verdict: [object({ action: [leaf('any'), false, Slot.VerdictAction], category: [leaf('any'), false, Slot.VerdictCategory] }), false],
  redacted: [leaf('bool'), false],
});

/** The fields of one record the framing noted, as byte offsets into the record's own bytes. */
export class RecordIndex {
  /**
   * Start and end of each slot's string (without quotes); an end of 0 when absent (a string never ends
   * there). An array of small integers: allocating it costs a fraction of a typed array's.
   */
  readonly spans: number[] = NO_SPANS.slice();
  /** Slots whose string holds escapes (a bit per slot). */
  escaped = 0;
  durationNano = 0;
  status = 0;

  /** A noted string, decoded. */
  text(record: Buffer, slot: Slot): string | undefined {
    const end = this.spans[slot * 2 + 1]!;
    if (end === 0) return undefined;
    const start = this.spans[slot * 2]!;
    if ((this.escaped & (1 << slot)) === 0) return record.toString('utf8', start, end);
    // The framing checked its escapes; the quotes around it are part of the record.
    return JSON.parse(record.toString('utf8', start - 1, end + 1)) as string;
  }
}

/** What a scalar's bytes spell: the three literals, plain digits, another valid number, or nothing valid. */
export const enum Scalar {
  True,
  False,
  Null,
  Digits,
  Number,
  Invalid,
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

export function scalarKind(buf: Buffer, start: number, end: number): Scalar {
  const first = buf[start]!;
  if (first >= 0x30 && first <= 0x39 && end - start <= 15) {
    let i = start;
    while (i < end && buf[i]! >= 0x30 && buf[i]! <= 0x39) i++;
    if (i === end) return first === 0x30 && end - start > 1 ? Scalar.Invalid : Scalar.Digits;
  }
  // Built once per scalar and tested by patterns without backtracking: linear however long it is.
  const text = buf.toString('latin1', start, end);
  if (text === 'true') return Scalar.True;
  if (text === 'false') return Scalar.False;
  if (text === 'null') return Scalar.Null;
  return NUMBER.test(text) ? Scalar.Number : Scalar.Invalid;
}

function digitsValue(buf: Buffer, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (buf[i]! - 0x30);
  return value;
}

const BASE64_BYTE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_BYTE[c.charCodeAt(0)] = 1;

function isBase64(buf: Buffer, start: number, end: number): boolean {
  if ((end - start) % 4 !== 0) return false;
  let stop = end;
  if (stop > start && buf[stop - 1] === 0x3d) stop--;
  if (stop > start && buf[stop - 1] === 0x3d) stop--;
  for (let i = start; i < stop; i++) if (BASE64_BYTE[buf[i]!] === 0) return false;
  // Decoded bytes: three per four characters, less the padding.
  return ((end - start) / 4) * 3 - (end - stop) <= MAX_BODY_DATA_BYTES;
}

function equalsIgnoringCase(buf: Buffer, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((buf[start + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

// One open container of the record: its shape (undefined inside an unknown field's value), and for an
// object the fields seen, for a header list or a pair its items, for a body where its data is.
interface Open {
  shape: Shape | undefined;
  seen: number;
  items: number;
  /** A header pair whose name is content-type: its value is noted in this slot. */
  noteSlot: number;
  dataStart: number;
  dataEnd: number;
  dataEscaped: boolean;
  base64: boolean;
}

/**
 * Follows one record through the framing's events, in order. Offsets given to it are into the batch;
 * the index holds them relative to the record's start. `fits` turns false at the first thing it cannot
 * vouch for. Its memory is one entry per nesting level, reused from record to record.
 */
export class ShapeCheck {
  fits = true;
  index = new RecordIndex();
  private readonly open: Open[] = [];
  private depth = 0;
  private buf: Buffer = Buffer.alloc(0);
  private recordStart = 0;
  /** The known field whose value comes next in the innermost object (undefined: an unknown one). */
  private field: Field | undefined;

  begin(buf: Buffer, recordStart: number): void {
    this.fits = true;
    this.index = new RecordIndex();
    this.depth = 0;
    this.buf = buf;
    this.recordStart = recordStart;
    this.field = undefined;
  }

  key(start: number, end: number, escaped: boolean): void {
    const top = this.open[this.depth - 1]!;
    this.field = undefined;
    if (top.shape?.kind !== 'object') return;
    // An escaped key may spell a known field: only the slow path can tell.
    if (escaped) {
      this.fits = false;
      return;
    }
    const field = fieldNamed(top.shape, this.buf, start, end);
    if (field === undefined) return;
    // A repeated field: JSON.parse keeps the last one, which the check did not follow.
    if ((top.seen & (1 << field.bit)) !== 0) this.fits = false;
    top.seen |= 1 << field.bit;
    this.field = field;
  }

  openContainer(isObject: boolean): void {
    const parent = this.parent();
    const shape = this.expected(parent);
    let own: Shape | undefined;
    if (shape !== undefined) {
      if (shape.kind === 'leaf') {
        if (shape.leaf !== 'any') this.fits = false;
      } else {
        if (isObject !== (shape.kind === 'object')) this.fits = false;
        own = shape;
      }
    }
    let frame = this.open[this.depth];
    if (frame === undefined) {
      frame = { shape: undefined, seen: 0, items: 0, noteSlot: -1, dataStart: -1, dataEnd: -1, dataEscaped: false, base64: false };
      this.open.push(frame);
    }
    frame.shape = own;
    frame.seen = 0;
    frame.items = 0;
    frame.noteSlot = -1;
    frame.dataStart = -1;
    frame.base64 = false;
    this.depth++;
  }

  closeContainer(): void {
    const frame = this.open[--this.depth]!;
    const shape = frame.shape;
    if (shape?.kind === 'pair') {
      if (frame.items !== 2) this.fits = false;
    } else if (shape?.kind === 'object') {
      if ((frame.seen & shape.required) !== shape.required) this.fits = false;
      else if (shape.body) this.checkBody(frame, this.open[this.depth - 1]!.shape === REQUEST ? Slot.RequestBody : Slot.ResponseBody);
    }
    this.field = undefined;
  }

  string(start: number, end: number, escaped: boolean): void {
    const parent = this.parent();
    const shape = this.expected(parent);
    if (shape === undefined) return;
    if (shape.kind !== 'leaf') {
      this.fits = false;
      return;
    }
    const buf = this.buf;
    switch (shape.leaf) {
      case 'any':
        break;
      case 'string':
        if (parent!.shape?.kind === 'pair') this.pairItem(parent!, start, end, escaped);
        else if (parent!.shape === BODY && this.field === BODY_DATA) {
          parent!.dataStart = start;
          parent!.dataEnd = end;
          parent!.dataEscaped = escaped;
        }
        break;
      case 'digits':
        if (escaped || end === start || end - start > 20) this.fits = false;
        else for (let i = start; i < end; i++) if (buf[i]! < 0x30 || buf[i]! > 0x39) this.fits = false;
        break;
      case 'encoding':
        if (bytesEqual(buf, start, end, 'base64')) parent!.base64 = true;
        else if (!bytesEqual(buf, start, end, 'utf8')) this.fits = false;
        break;
      default:
        this.fits = false;
    }
    const slot = this.field?.slot;
    if (slot !== undefined && parent!.shape?.kind === 'object') this.note(slot, start, end, escaped);
  }

  scalar(start: number, end: number, kind: Scalar): void {
    const parent = this.parent();
    const shape = this.expected(parent);
    if (shape === undefined) return;
    if (shape.kind !== 'leaf') {
      this.fits = false;
      return;
    }
    const leafKind = shape.leaf;
    if (leafKind === 'any') return;
    if (leafKind === 'bool') {
      if (kind !== Scalar.True && kind !== Scalar.False) this.fits = false;
      return;
    }
    // Other spellings of an integer (1.0, 1e3) are the slow path's to judge.
    if (kind !== Scalar.Digits || (leafKind !== 'uint' && leafKind !== 'port' && leafKind !== 'status')) {
      this.fits = false;
      return;
    }
    const value = digitsValue(this.buf, start, end);
    if ((leafKind === 'port' && value > 65535) || (leafKind === 'status' && value > 999)) this.fits = false;
    if (leafKind === 'status') this.index.status = value;
    else if (this.depth === 1 && this.field === DURATION) this.index.durationNano = value;
  }

  /** The innermost open container, with the value about to come counted among its items. */
  private parent(): Open | undefined {
    if (this.depth === 0) return undefined;
    const parent = this.open[this.depth - 1]!;
    const kind = parent.shape?.kind;
    if (kind === 'headers' && ++parent.items > MAX_HEADER_PAIRS) this.fits = false;
    else if (kind === 'pair') parent.items++;
    return parent;
  }

  /** The shape the next value must have; undefined when nothing is expected of it. */
  private expected(parent: Open | undefined): Shape | undefined {
    if (parent === undefined) return RECORD_SHAPE;
    const shape = parent.shape;
    if (shape === undefined) return undefined;
    if (shape.kind === 'object') return this.field?.shape;
    if (shape.kind === 'headers') return PAIR;
    if (shape.kind === 'pair') return STRING;
    return undefined;
  }

  private pairItem(pair: Open, start: number, end: number, escaped: boolean): void {
    if (pair.items === 1) {
      const list = this.open[this.depth - 2]!.shape;
      if (list?.kind !== 'headers' || list.contentType < 0) return;
      // A name spelt with escapes may be content-type: only the slow path can tell.
      if (escaped) this.fits = false;
      else if (equalsIgnoringCase(this.buf, start, end, 'content-type')) pair.noteSlot = list.contentType;
    } else if (pair.items === 2 && pair.noteSlot >= 0 && this.index.spans[pair.noteSlot * 2 + 1] === 0) {
      // The first content-type header counts, as in the capture's attributes.
      this.note(pair.noteSlot, start, end, escaped);
    }
  }

  private checkBody(body: Open, slot: Slot): void {
    const { dataStart, dataEnd } = body;
    if (body.base64) {
      // Escapes are never right in base64.
      if (body.dataEscaped || !isBase64(this.buf, dataStart, dataEnd)) this.fits = false;
    } else if (dataEnd - dataStart > MAX_BODY_DATA_BYTES) {
      // Escapes make the decoded text shorter than its JSON: the slow path measures it.
      this.fits = false;
    } else this.note(slot, dataStart, dataEnd, body.dataEscaped);
  }

  private note(slot: Slot, start: number, end: number, escaped: boolean): void {
    this.index.spans[slot * 2] = start - this.recordStart;
    this.index.spans[slot * 2 + 1] = end - this.recordStart;
    if (escaped) this.index.escaped |= 1 << slot;
  }
}

const DURATION = RECORD_SHAPE.fields.find((f) => f.name === 'duration_nano')!;
const REQUEST = RECORD_SHAPE.fields.find((f) => f.name === 'request')!.shape;
const BODY_DATA = BODY.fields.find((f) => f.name === 'data')!;
