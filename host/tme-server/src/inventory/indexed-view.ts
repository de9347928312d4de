// The inventory's view of a capture stored without a parse (the ingest fast path), read from the
// record's compact index (ingest/record-shape.ts): the same fields viewOf reads from the attributes,
// for the price of a few short string slices. The attributes themselves (headers, bodies) are parsed
// only if the inventory learns from this exchange, off the ingest path, and at most once.
import { Slot, type RecordIndex } from '../ingest/record-shape.ts';
import { readCapture, type Capture, type StoredCapture } from '../record/capture.ts';
import { splitAuthority } from '../record/attributes.ts';
import { mediaType, methodKey, type ExchangeView } from './exchange-view.ts';

export function viewOfIndex(stored: StoredCapture, index: RecordIndex): ExchangeView {
  const record = stored.record;
  const text = (slot: Slot): string => index.text(record, slot) ?? '';
  const action = index.text(record, Slot.VerdictAction);
  let attributes: Capture['attributes'] | undefined;
  return {
    host: splitAuthority(text(Slot.Authority)).host.toLowerCase().slice(0, 253),
    method: methodKey(text(Slot.Method)),
    path: text(Slot.Path),
    query: text(Slot.Query),
    status: index.status,
    durationMicros: index.durationNano / 1000,
    client: text(Slot.ClientAddress),
    at: Date.now(),
    get attributes() {
      attributes ??= readCapture(stored)?.attributes ?? {};
      return attributes;
    },
    requestContentType: mediaType(index.text(record, Slot.RequestContentType)),
    responseContentType: mediaType(index.text(record, Slot.ResponseContentType)),
    verdictAction: action,
    verdictCategory: index.text(record, Slot.VerdictCategory),
  };
}
