// What the inventory reads from a capture (the TME's redacted record), under
// the same attribute names /v1/captures shows: method, host, path, query,
// headers, bodies, status, duration, client and verdict. Bodies are only
// decoded and parsed when the schema is learned (parseBody), not per record.
import type { Capture } from '../record/capture.ts';

/** Bodies larger than this are counted but not parsed for their schema. */
export const MAX_PARSED_BODY_BYTES = 256 * 1024;

export interface BodyView {
  data: string;
  encoding: string;
  truncated: boolean;
  contentType: string;
}

export interface ExchangeView {
  host: string;
  method: string;
  path: string;
  query: string;
  status: number;
  durationMicros: number;
  client: string;
  at: number;
  /** The capture's attributes, for what only learning reads (headers, bodies): not copied per exchange. */
  attributes: Capture['attributes'];
  requestContentType: string;
  responseContentType: string;
  verdictAction: string | undefined;
  verdictCategory: string | undefined;
}

const REQUEST_HEADER = 'http.request.header.';
const METHOD = /^[A-Z]{1,16}$/;

/** "application/json; charset=utf-8" -> "application/json"; at most 64 characters. */
export function mediaType(value: string | undefined): string {
  if (value === undefined) return '';
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(0, semi) : value).trim().toLowerCase().slice(0, 64);
}

function firstHeader(value: unknown): string | undefined {
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

export function requestBody(view: ExchangeView): BodyView | undefined {
  return body(view.attributes, 'http.request.body', view.requestContentType);
}

export function responseBody(view: ExchangeView): BodyView | undefined {
  return body(view.attributes, 'http.response.body', view.responseContentType);
}

function body(attributes: Capture['attributes'], prefix: string, contentType: string): BodyView | undefined {
  // Only learning reads bodies.
  const data = attributes[prefix];
  if (typeof data !== 'string' || data === '') return undefined;
  return {
    data,
    encoding: String(attributes[`${prefix}.encoding`] ?? 'utf8'),
    truncated: attributes[`${prefix}.truncated`] === true,
    contentType,
  };
}

/** The request headers of interest to learning; walks every attribute, so only called when learning. */
export function requestHeaders(a: Capture['attributes']): [string, string][] {
  const out: [string, string][] = [];
  for (const key in a) {
    if (!key.startsWith(REQUEST_HEADER)) continue;
    const value = firstHeader(a[key]);
    if (value !== undefined) out.push([key.slice(REQUEST_HEADER.length), value]);
  }
  return out;
}

/** The method as the inventory keys it: upper case, OTHER when it is not a token of letters. */
export function methodKey(raw: string): string {
  const method = raw.toUpperCase();
  return METHOD.test(method) ? method : 'OTHER';
}

export function viewOf(capture: Capture): ExchangeView {
  const a = capture.attributes;
  const requestContentType = mediaType(firstHeader(a['http.request.header.content-type']));
  const responseContentType = mediaType(firstHeader(a['http.response.header.content-type']));
  const action = a['gatewarden.verdict.action'];
  const category = a['gatewarden.verdict.category'];
  return {
    host: String(a['server.address'] ?? '').toLowerCase().slice(0, 253),
    method: methodKey(String(a['http.request.method'] ?? '')),
    path: String(a['url.path'] ?? '/'),
    query: String(a['url.query'] ?? ''),
    status: typeof a['http.response.status_code'] === 'number' ? a['http.response.status_code'] : 0,
    durationMicros: capture.duration_nano / 1000,
    client: String(a['client.address'] ?? ''),
    // The capture was received moments ago (the queue drains within milliseconds): no date parsing per record.
    at: Date.now(),
    attributes: a,
    requestContentType,
    responseContentType,
    verdictAction: typeof action === 'string' ? action : undefined,
    verdictCategory: typeof category === 'string' ? category : undefined,
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
