// One HTTP exchange as the TME sees it when Envoy streams it (ext_proc mode), turned into exactly the
// record the Wasm filter writes for the same exchange (filter/assembly/capture/exchange.ts
// writeRecord): same id, fields, header order, body encoding and verdict, so both modes produce the
// same attributes.
import { MODULE_VERSION } from '../../../../filter/assembly/version.ts';
import type { CaptureBody, CaptureRecord, HeaderList } from '../ingest/record-schema.ts';

export type HeaderPairs = Array<[string, string]>;

export { MODULE_VERSION };

/** True when `contentType` contains any of `allowed` (lower-case), ignoring case: the filter's rule. */
export function isCapturedContentType(contentType: string, allowed: readonly string[]): boolean {
  if (contentType === '') return false;
  const ct = contentType.toLowerCase();
  return allowed.some((a) => ct.includes(a));
}

/** The first value of `name` (lower-case), or "". */
export function headerValue(headers: HeaderPairs, name: string): string {
  return headers.find(([n]) => n === name)?.[1] ?? '';
}

/** An "ip:port" (or "[v6]:port") source address split in two; a bare IPv6 address has no port. */
export function parseAddress(text: string): { address: string; port: number } {
  const port = (s: string): number => (/^\d{1,5}$/.test(s) && Number(s) <= 65535 ? Number(s) : 0);
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close > 0) return { address: text.slice(1, close), port: text[close + 1] === ':' ? port(text.slice(close + 2)) : 0 };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0 || text.indexOf(':') !== colon) return { address: text, port: 0 };
  return { address: text.slice(0, colon), port: port(text.slice(colon + 1)) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The captured prefix of a body: at most `limit` bytes are kept, every byte is counted. The wire form
 * is the filter's: UTF-8 text when the captured bytes are valid UTF-8 (RFC 3629), else base64.
 */
export class BodyCapture {
  private readonly chunks: Buffer[] = [];
  private held = 0;
  /** Every byte that passed, captured or not. */
  size = 0;
  /** A body message arrived (the body was observed, even if empty). */
  observed = false;
  /** The body's last byte was seen. */
  ended = false;

  constructor(readonly limit: number) {}

  get captured(): number {
    return this.held;
  }

  append(chunk: Uint8Array, endOfStream: boolean): void {
    this.observed = true;
    this.size += chunk.length;
    const room = this.limit - this.held;
    if (room > 0 && chunk.length > 0) {
      const part = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(room, chunk.length));
      this.chunks.push(Buffer.from(part)); // a copy: the message's buffer is not kept
      this.held += part.length;
    }
    if (endOfStream) this.ended = true;
  }

  bytes(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.held);
  }

  /** The record's body; `declaredSize` (content-length) stands in when the end was not seen. */
  toRecord(declaredSize?: number): CaptureBody {
    const data = this.bytes();
    const size = !this.ended && declaredSize !== undefined && declaredSize > this.size ? declaredSize : this.size;
    let text: string | undefined;
    try {
      text = utf8.decode(data);
    } catch {
      text = undefined;
    }
    return text !== undefined
      ? { data: text, encoding: 'utf8', size, truncated: size > data.length }
      : { data: data.toString('base64'), encoding: 'base64', size, truncated: size > data.length };
  }
}

function declaredLength(headers: HeaderPairs): number | undefined {
  const text = headerValue(headers, 'content-length');
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

/** Nanoseconds since the epoch, with the monotonic clock's resolution. */
const epochOffsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
export function nowNanos(): bigint {
  return process.hrtime.bigint() + epochOffsetNs;
}

export interface ExchangeVerdict {
  action: 'allow' | 'monitor' | 'block';
  rule: string;
  category: string;
  location?: string;
  snippet?: string;
}

/** What one exchange left behind, gathered across the stream's messages. */
export class Exchange {
  id = '';
  startNanos = 0n;
  endNanos = 0n;
  clientAddress = '';
  clientPort = 0;
  protocol = '';
  /** With pseudo-headers, in the order Envoy gave them. */
  requestHeaders: HeaderPairs = [];
  requestHeadersSeen = false;
  requestEnded = false;
  requestTrailers: HeaderPairs | undefined;
  requestBody: BodyCapture | undefined;
  responseHeaders: HeaderPairs = [];
  responseTrailers: HeaderPairs | undefined;
  responseBody: BodyCapture | undefined;
  responseEnded = false;
  /** Used when the response headers carry no :status (e.g. the stream was reset). */
  fallbackStatus = 0;
  verdict: ExchangeVerdict | undefined;

  /** The record, field for field as the filter's writeRecord. */
  toRecord(service: string): CaptureRecord {
    const req = this.requestHeaders;
    const path = headerValue(req, ':path');
    const q = path.indexOf('?');
    const record: CaptureRecord = {
      id: this.id,
      service,
      module_version: MODULE_VERSION,
      start_time_unix_nano: this.startNanos.toString(),
      duration_nano: Number(this.endNanos > this.startNanos ? this.endNanos - this.startNanos : 0n),
      client: { address: this.clientAddress, port: this.clientPort },
      request: {
        method: headerValue(req, ':method'),
        scheme: headerValue(req, ':scheme'),
        authority: headerValue(req, ':authority'),
        path: q < 0 ? path : path.slice(0, q),
        query: q < 0 ? '' : path.slice(q + 1),
        protocol: this.protocol,
        headers: regular(req),
      },
      response: { status: responseStatus(this.responseHeaders, this.fallbackStatus), headers: regular(this.responseHeaders) },
    };
    if (this.requestTrailers !== undefined) record.request.trailers = regular(this.requestTrailers);
    const reqBody = this.requestBody;
    if (reqBody !== undefined && (reqBody.observed || !this.requestBodyExpected())) {
      record.request.body = reqBody.toRecord(declaredLength(req));
    }
    if (this.responseTrailers !== undefined) record.response.trailers = regular(this.responseTrailers);
    const resBody = this.responseBody;
    if (resBody !== undefined && (resBody.observed || this.responseHeadersEndedStream)) {
      record.response.body = resBody.toRecord(declaredLength(this.responseHeaders));
    }
    // gRPC puts grpc-status in the trailers, or in the headers of a trailers-only response.
    const grpcSource = this.responseTrailers?.some(([n]) => n === 'grpc-status')
      ? this.responseTrailers
      : this.responseHeaders.some(([n]) => n === 'grpc-status')
        ? this.responseHeaders
        : undefined;
    if (grpcSource !== undefined) record.response.grpc_status = headerValue(grpcSource, 'grpc-status');
    if (this.verdict !== undefined) record.verdict = { ...this.verdict };
    return record;
  }

  /** Set when the response headers ended the stream (no body follows). */
  responseHeadersEndedStream = false;
  /** Set when the request headers ended the stream (no body follows). */
  requestHeadersEndedStream = false;

  private requestBodyExpected(): boolean {
    return !this.requestHeadersEndedStream;
  }
}

/** All non-pseudo headers, in order. */
function regular(list: HeaderPairs): HeaderList {
  return list.filter(([name]) => !name.startsWith(':'));
}

function responseStatus(headers: HeaderPairs, fallback: number): number {
  const i = headers.findIndex(([n]) => n === ':status');
  if (i < 0) return fallback;
  const text = headers[i]![1];
  return /^\d+$/.test(text) ? Number(text) : fallback;
}
