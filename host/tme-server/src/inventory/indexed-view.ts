// The inventory's view of a record stored without a parse (the ingest fast path), read from the
// record's compact index (ingest/record-shape.ts): the fields it counts by, for the price of a few short
// string slices. What only learning reads (request headers, bodies) is parsed from the record's bytes
// if the inventory learns from this exchange, off the ingest path, and at most once.
import { Slot, type RecordIndex } from '../ingest/record-shape.ts';
import { splitAuthority } from '../record/attributes.ts';
import { isSummary } from '../sampling/store-sampler.ts';
import { mediaType, methodKey, type ExchangeView } from './exchange-view.ts';

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

export function viewOfIndex(record: Buffer, index: RecordIndex): ExchangeView {
  const text = (slot: Slot): string => index.text(record, slot) ?? '';
  let parsed: { request: Json; response: Json } | undefined;
  // The framing checked the record's shape, so request and response are objects.
  const parts = (): { request: Json; response: Json } => {
    if (parsed === undefined) {
      const json = object(JSON.parse(record.toString('utf8')));
      parsed = { request: object(json?.request) ?? {}, response: object(json?.response) ?? {} };
    }
    return parsed;
  };
  return {
    host: splitAuthority(text(Slot.Authority)).host.toLowerCase().slice(0, 253),
    method: methodKey(text(Slot.Method)),
    path: text(Slot.Path) || '/',
    query: text(Slot.Query),
    status: index.status,
    durationMicros: index.durationNano / 1000,
    client: text(Slot.ClientAddress),
    // The record was received moments ago (the queue drains within milliseconds): no date parsing per record.
    at: Date.now(),
    requestContentType: mediaType(index.text(record, Slot.RequestContentType)),
    responseContentType: mediaType(index.text(record, Slot.ResponseContentType)),
    verdictAction: index.text(record, Slot.VerdictAction),
    verdictCategory: index.text(record, Slot.VerdictCategory),
    summary: isSummary(record),
    get requestHeaderList() {
      return parts().request.headers;
    },
    get requestBodyValue() {
      return parts().request.body;
    },
    get responseBodyValue() {
      return parts().response.body;
    },
  };
}
