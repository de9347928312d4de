// Maps a connector's ext_cap report onto the parts of an exchange, as the filter sees one (pseudo-headers
// first, then the headers), for the engine's record encoder: the filter's own writeRecord writes and
// redacts the record, so an ext_cap record is the filter's record of the same exchange.
import type { IncomingHttpHeaders } from 'node:http';
import type { ExchangeBody, ExchangeParts } from '../../../../filter/node/engine.ts';
import type { ExtCapReport } from './ext-cap-schema.ts';

const UNKNOWN_SERVICE = 'unknown_service';
const UNKNOWN_MODULE_VERSION = 'ext_cap';

type HeaderPairs = Array<[string, string]>;

// The Traefik plugin sends each `traceableai-*` header twice, dashed and dotted;
// the edge-function connectors send only the dashed form.
function senderHeader(headers: IncomingHttpHeaders, dashed: string, dotted: string): string | undefined {
  const value = headers[dashed] ?? headers[dotted];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function headerPairs(map: Record<string, string> | null | undefined): HeaderPairs {
  return Object.entries(map ?? {}).map(([name, value]) => [name.toLowerCase(), value]);
}

function body(data: string | null | undefined, truncated: boolean | undefined): ExchangeBody | undefined {
  if (data == null || data === '') return undefined;
  const bytes = Buffer.from(data, 'base64');
  // Connectors send only what they captured; the original length is unknown.
  return { data: bytes, size: bytes.length, cut: truncated ?? false };
}

/** The query of a URL as it was sent (percent-encoding kept): URL parsing would re-encode it. */
function rawQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return '';
  const hash = url.indexOf('#', q);
  return url.slice(q + 1, hash < 0 ? undefined : hash);
}

function parseUrl(url: string | null | undefined): URL | undefined {
  if (!url) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function startTimeUnixNano(report: ExtCapReport, receivedAtMs: number): bigint {
  const ms = report.request_timestamp_in_ms ?? report.requestTimestampInMs;
  if (ms !== undefined) return BigInt(ms) * 1_000_000n;
  const micros = report.request.micros_since_epoch;
  if (micros !== undefined) return BigInt(micros) * 1_000n;
  return BigInt(receivedAtMs) * 1_000_000n;
}

export function extCapExchange(report: ExtCapReport, postHeaders: IncomingHttpHeaders, receivedAtMs: number): ExchangeParts {
  const { request, response } = report;
  const requestHeaders = headerPairs(request.headers);
  const requestUrl = response.request_url ?? response.requestUrl;
  const url = parseUrl(requestUrl);
  const scheme = (request.scheme || url?.protocol || 'http').replace(/:$/, '');
  const authority = request.host || requestHeaders.find(([name]) => name === 'host')?.[1] || url?.host || '';
  const query = url && requestUrl ? rawQuery(requestUrl) : '';
  const duration = senderHeader(postHeaders, 'traceableai-total-duration-nanos', 'traceableai.total_duration_nanos');
  const address = request.source_address ?? '';
  const parts: ExchangeParts = {
    id: requestHeaders.find(([name]) => name === 'x-request-id')?.[1] ?? '',
    service: senderHeader(postHeaders, 'traceableai-service-name', 'traceableai.service.name') ?? UNKNOWN_SERVICE,
    moduleVersion: senderHeader(postHeaders, 'traceableai-module-version', 'traceableai.module.version') ?? UNKNOWN_MODULE_VERSION,
    startNanos: startTimeUnixNano(report, receivedAtMs),
    durationNanos: duration !== undefined && /^\d{1,15}$/.test(duration) ? BigInt(duration) : 0n,
    client: { address, peer: address, port: request.source_port ?? 0 },
    // Connectors do not report the HTTP version.
    protocol: '',
    requestHeaders: [
      [':method', request.method],
      [':scheme', scheme],
      [':authority', authority],
      [':path', query === '' ? request.path : `${request.path}?${query}`],
      ...requestHeaders,
    ],
    responseHeaders: [[':status', String(response.status_code ?? response.statusCode ?? 0)], ...headerPairs(response.headers)],
  };
  const requestBody = body(request.body, request.truncated);
  if (requestBody !== undefined) parts.requestBody = requestBody;
  const responseBody = body(response.body, response.truncated);
  if (responseBody !== undefined) parts.responseBody = responseBody;
  return parts;
}
