// The inventory's view of a record stored without a parse (the ingest fast path), read from the
// record's compact index (ingest/record-shape.ts): the fields it counts by, for the price of a few short
// string slices. What only learning reads (query, request headers, bodies) is read from the record's
// bytes when asked for, and the record is parsed at most once, off the ingest path. A class rather than
// an object literal with getters: V8 builds such a literal slowly, and this runs for every record. The
// fields that repeat (host, method, content types) come from caches keyed by their bytes, and the client
// address is hashed from its bytes (it is only counted), so most records decode one string: the path.
import { Slot, type RecordIndex } from '../ingest/record-shape.ts';
import { splitAuthority } from '../record/attributes.ts';
import { isSummary } from '../sampling/store-sampler.ts';
import { mediaType, methodKey, type ExchangeView } from './exchange-view.ts';
import { hashBytes, hashText } from './sketches.ts';
import { SpanCache } from './span-cache.ts';

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

const hosts = new SpanCache((authority) => splitAuthority(authority).host.toLowerCase().slice(0, 253));
const methods = new SpanCache(methodKey, 64);
const mediaTypes = new SpanCache(mediaType, 64);

/** A noted field through its cache; a field spelt with escapes is decoded, as the index does. */
function derived(cache: SpanCache, record: Buffer, index: RecordIndex, slot: Slot): string {
  const end = index.spans[slot * 2 + 1]!;
  if (end === 0) return cache.derive('');
  if ((index.escaped & (1 << slot)) !== 0) return cache.derive(index.text(record, slot)!);
  return cache.get(record, index.spans[slot * 2]!, end);
}

function clientHash(record: Buffer, index: RecordIndex): number | undefined {
  const end = index.spans[Slot.ClientAddress * 2 + 1]!;
  if (end === 0 || (index.escaped & (1 << Slot.ClientAddress)) !== 0) {
    const address = index.text(record, Slot.ClientAddress) ?? '';
    return address === '' ? undefined : hashText(address);
  }
  const start = index.spans[Slot.ClientAddress * 2]!;
  return start === end ? undefined : hashBytes(record, start, end);
}

class IndexedView implements ExchangeView {
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMicros: number;
  readonly clientHash: number | undefined;
  // The record was received moments ago (the queue drains within milliseconds): no date parsing per record.
  readonly at = Date.now();
  readonly requestContentType: string;
  readonly responseContentType: string;
  readonly verdictAction: string | undefined;
  readonly verdictCategory: string | undefined;
  readonly summary: boolean;
  private parsed: { request: Json; response: Json } | undefined;

  constructor(
    readonly record: Buffer,
    private readonly index: RecordIndex,
  ) {
    this.host = derived(hosts, record, index, Slot.Authority);
    this.method = derived(methods, record, index, Slot.Method);
    this.path = index.text(record, Slot.Path) || '/';
    this.status = index.status;
    this.durationMicros = index.durationNano / 1000;
    this.clientHash = clientHash(record, index);
    this.requestContentType = derived(mediaTypes, record, index, Slot.RequestContentType);
    this.responseContentType = derived(mediaTypes, record, index, Slot.ResponseContentType);
    this.verdictAction = index.text(record, Slot.VerdictAction);
    this.verdictCategory = index.text(record, Slot.VerdictCategory);
    // A summary's bytes start with its mark, and a full record with its id: one byte tells most apart.
    this.summary = record[2] === 0x73 && isSummary(record);
  }

  get signatureBytes(): Buffer {
    return this.record;
  }

  get queryStart(): number {
    return this.index.spans[Slot.Query * 2]!;
  }

  get queryEnd(): number {
    return this.index.spans[Slot.Query * 2 + 1]!;
  }

  get requestBodyStart(): number {
    return this.index.spans[Slot.RequestBody * 2]!;
  }

  get requestBodyEnd(): number {
    return this.index.spans[Slot.RequestBody * 2 + 1]!;
  }

  get responseBodyStart(): number {
    return this.index.spans[Slot.ResponseBody * 2]!;
  }

  get responseBodyEnd(): number {
    return this.index.spans[Slot.ResponseBody * 2 + 1]!;
  }

  get query(): string {
    return this.index.text(this.record, Slot.Query) ?? '';
  }

  // The scanned framing checked the record's shape; a stated one is trusted to be JSON, and one that is
  // not shows no headers or bodies (one log line per such record would let its producer flood the log).
  private parts(): { request: Json; response: Json } {
    if (this.parsed === undefined) {
      let json: Json | undefined;
      try {
        json = object(JSON.parse(this.record.toString('utf8')));
      } catch {
        json = undefined;
      }
      this.parsed = { request: object(json?.request) ?? {}, response: object(json?.response) ?? {} };
    }
    return this.parsed;
  }

  get requestHeaderList(): unknown {
    return this.parts().request.headers;
  }

  get requestBodyValue(): unknown {
    return this.parts().request.body;
  }

  get responseBodyValue(): unknown {
    return this.parts().response.body;
  }
}

export function viewOfIndex(record: Buffer, index: RecordIndex): ExchangeView {
  return new IndexedView(record, index);
}
