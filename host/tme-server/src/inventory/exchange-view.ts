// What the inventory reads from a record: method, host, path, query, status, duration, client,
// content types and verdict for counting; request headers and bodies, only when the schema is learned.
// It reads the stored record's JSON (the bytes the producer sent, already redacted) with JSON.parse and
// checks each field it uses itself: no schema validation and no attribute mapping per record, which
// cost more than the counting. Anything of the wrong type reads as absent.
import { splitAuthority } from '../record/attributes.ts';
import type { SignatureParts } from './key-signature.ts';
import { hashText } from './sketches.ts';

/** Bodies larger than this are counted but not parsed for their schema. */
export const MAX_PARSED_BODY_BYTES = 256 * 1024;
/** Header pairs read per record, as the record format allows. */
const MAX_HEADER_PAIRS = 512;

export interface BodyView {
  data: string;
  encoding: string;
  truncated: boolean;
  contentType: string;
}

/** Its SignatureParts are what the field-name check reads (key-signature.ts). */
export interface ExchangeView extends SignatureParts {
  /** The record's JSON bytes, as stored. */
  record: Buffer;
  host: string;
  method: string;
  path: string;
  query: string;
  durationMicros: number;
  /** The client address's hash (sketches.ts hashText), undefined without one: distinct clients are counted by it. */
  clientHash: number | undefined;
  at: number;
  verdictAction: string | undefined;
  verdictCategory: string | undefined;
  /** A summary (`"sampled": false`): counted, nothing to learn from. */
  summary: boolean;
  /** What only learning reads, as the record holds it: not copied or checked per exchange. */
  requestHeaderList: unknown;
  requestBodyValue: unknown;
  responseBodyValue: unknown;
}

type Json = Record<string, unknown>;
const METHOD = /^[A-Z]{1,16}$/;

function object(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** "application/json; charset=utf-8" -> "application/json"; at most 64 characters. */
export function mediaType(value: string | undefined): string {
  if (value === undefined) return '';
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(0, semi) : value).trim().toLowerCase().slice(0, 64);
}

/** The [name, value] pairs of a record's header list, names lower-cased; malformed pairs skipped. */
function headerPairs(list: unknown): [string, string][] {
  const out: [string, string][] = [];
  if (!Array.isArray(list)) return out;
  const n = Math.min(list.length, MAX_HEADER_PAIRS);
  for (let i = 0; i < n; i++) {
    const pair: unknown = list[i];
    if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') out.push([pair[0].toLowerCase(), pair[1]]);
  }
  return out;
}

/** The first content-type value of a header list, without building the pairs. */
function contentType(list: unknown): string {
  if (!Array.isArray(list)) return '';
  const n = Math.min(list.length, MAX_HEADER_PAIRS);
  for (let i = 0; i < n; i++) {
    const pair: unknown = list[i];
    if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string' && pair[0].toLowerCase() === 'content-type')
      return mediaType(pair[1]);
  }
  return '';
}

export function requestBody(view: ExchangeView): BodyView | undefined {
  return body(view.requestBodyValue, view.requestContentType);
}

export function responseBody(view: ExchangeView): BodyView | undefined {
  return body(view.responseBodyValue, view.responseContentType);
}

function body(value: unknown, type: string): BodyView | undefined {
  const b = object(value);
  if (b === undefined || typeof b.data !== 'string' || b.data === '') return undefined;
  return { data: b.data, encoding: b.encoding === 'base64' ? 'base64' : 'utf8', truncated: b.truncated === true, contentType: type };
}

/** The request headers, first value per name; only called when learning. */
export function requestHeaders(view: ExchangeView): [string, string][] {
  const seen = new Set<string>();
  return headerPairs(view.requestHeaderList).filter(([name]) => !seen.has(name) && (seen.add(name), true));
}

/** The method as the inventory keys it: upper case, OTHER when it is not a token of letters. */
export function methodKey(raw: string): string {
  const method = raw.toUpperCase();
  return METHOD.test(method) ? method : 'OTHER';
}

type SignatureSpans = Pick<
  ExchangeView,
  'signatureBytes' | 'queryStart' | 'queryEnd' | 'requestBodyStart' | 'requestBodyEnd' | 'responseBodyStart' | 'responseBodyEnd'
>;

/**
 * The query and the data of the two bodies (not base64) spelt as JSON strings, as a record written by
 * JSON.stringify holds them, and where each lies: the parsed record's stand-in for the framing's notes.
 */
function signatureSpans(query: string, request: unknown, response: unknown): SignatureSpans {
  const data = (value: unknown) => {
    const b = object(value);
    return b !== undefined && typeof b.data === 'string' && b.encoding !== 'base64' ? b.data : '';
  };
  const parts = [query, data(request), data(response)].map((text) => Buffer.from(JSON.stringify(text)));
  // Each part's content, without its quotes; an end of 0 when it is empty.
  const spans: number[] = [];
  let at = 0;
  for (const part of parts) {
    spans.push(at + 1, part.length > 2 ? at + part.length - 1 : 0);
    at += part.length;
  }
  return {
    signatureBytes: Buffer.concat(parts),
    queryStart: spans[0]!,
    queryEnd: spans[1]!,
    requestBodyStart: spans[2]!,
    requestBodyEnd: spans[3]!,
    responseBodyStart: spans[4]!,
    responseBodyEnd: spans[5]!,
  };
}

function clientHash(address: string): number | undefined {
  return address === '' ? undefined : hashText(address);
}

/** The view of a record's JSON bytes; undefined when they are not a record with a request. */
export function viewOfRecord(bytes: Buffer): ExchangeView | undefined {
  let record: Json | undefined;
  try {
    record = object(JSON.parse(bytes.toString('utf8')));
  } catch {
    return undefined;
  }
  const request = object(record?.request);
  if (record === undefined || request === undefined) return undefined;
  const response = object(record.response) ?? {};
  const verdict = object(record.verdict);
  const status = response.status;
  const duration = record.duration_nano;
  return {
    record: bytes,
    ...signatureSpans(text(request.query), request.body, response.body),
    host: splitAuthority(text(request.authority)).host.toLowerCase().slice(0, 253),
    method: methodKey(text(request.method)),
    path: text(request.path) || '/',
    query: text(request.query),
    status: typeof status === 'number' && Number.isInteger(status) && status > 0 && status <= 999 ? status : 0,
    durationMicros: typeof duration === 'number' && duration >= 0 ? duration / 1000 : 0,
    clientHash: clientHash(text(object(record.client)?.address)),
    // The record was received moments ago (the queue drains within milliseconds): no date parsing per record.
    at: Date.now(),
    requestContentType: contentType(request.headers),
    responseContentType: contentType(response.headers),
    verdictAction: typeof verdict?.action === 'string' ? verdict.action : undefined,
    verdictCategory: typeof verdict?.category === 'string' ? verdict.category : undefined,
    summary: record.sampled === false,
    requestHeaderList: request.headers,
    requestBodyValue: request.body,
    responseBodyValue: response.body,
  };
}

const INTEGER = /^-?\d{1,15}$/;
const DECIMAL = /^-?\d{1,15}\.\d{1,15}$/;

/** A query or form value as the type it spells: integer, number, boolean, else the string. */
export function typedValue(text: string): unknown {
  if (INTEGER.test(text)) return Number(text);
  if (DECIMAL.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/** Query or form parameters as an object of typed values (the first value of a repeated name). */
export function paramsObject(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  if (text === '') return out;
  for (const [name, value] of new URLSearchParams(text)) if (!(name in out)) out[name] = typedValue(value);
  return out;
}

/** The body as a JSON value or form object; undefined when it is not JSON or form, too large, truncated or invalid. */
export function parseBody(view: BodyView): unknown {
  if (view.truncated || view.data.length > MAX_PARSED_BODY_BYTES * 1.4) return undefined;
  const isJson = view.contentType.includes('json');
  const isForm = view.contentType === 'application/x-www-form-urlencoded';
  if (!isJson && !isForm) return undefined;
  const text = view.encoding === 'base64' ? Buffer.from(view.data, 'base64').toString('utf8') : view.data;
  if (text.length > MAX_PARSED_BODY_BYTES) return undefined;
  if (isForm) return paramsObject(text);
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
