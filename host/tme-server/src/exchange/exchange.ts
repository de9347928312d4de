// One HTTP exchange as the TME sees it when Envoy streams it (ext_proc mode), gathered into the parts
// the engine's record encoder takes (filter/node/engine.ts ExchangeParts): the record itself is written
// by the filter's own writeRecord, so both modes produce the same record.
import type { ExchangeBody, ExchangeParts } from '../../../../filter/node/engine.ts';
import { MODULE_VERSION } from '../../../../filter/assembly/version.ts';

export type HeaderPairs = Array<[string, string]>;

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

/** The captured prefix of a body: at most `limit` bytes are kept, every byte is counted. */
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

  /** The body's part of the exchange; `declaredSize` (content-length) stands in when the end was not seen. */
  toPart(declaredSize?: number): ExchangeBody {
    const size = !this.ended && declaredSize !== undefined && declaredSize > this.size ? declaredSize : this.size;
    return { data: this.bytes(), size };
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
  /** The client the policy decided on (the peer, or an x-forwarded-for entry with trusted hops). */
  clientAddress = '';
  /** The TCP peer. */
  clientPeer = '';
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

  /** What the record encoder takes; the bodies are shared, not copied. */
  parts(service: string): ExchangeParts {
    const parts: ExchangeParts = {
      id: this.id,
      service,
      moduleVersion: MODULE_VERSION,
      startNanos: this.startNanos,
      durationNanos: this.endNanos > this.startNanos ? this.endNanos - this.startNanos : 0n,
      client: { address: this.clientAddress, peer: this.clientPeer, port: this.clientPort },
      protocol: this.protocol,
      requestHeaders: this.requestHeaders,
      requestTrailers: this.requestTrailers,
      responseHeaders: this.responseHeaders,
      responseTrailers: this.responseTrailers,
      fallbackStatus: this.fallbackStatus,
      verdict: this.verdict,
    };
    const reqBody = this.requestBody;
    if (reqBody !== undefined && (reqBody.observed || this.requestHeadersEndedStream))
      parts.requestBody = reqBody.toPart(declaredLength(this.requestHeaders));
    const resBody = this.responseBody;
    if (resBody !== undefined && (resBody.observed || this.responseHeadersEndedStream))
      parts.responseBody = resBody.toPart(declaredLength(this.responseHeaders));
    return parts;
  }

  /** Set when the response headers ended the stream (no body follows). */
  responseHeadersEndedStream = false;
  /** Set when the request headers ended the stream (no body follows). */
  requestHeadersEndedStream = false;
}
