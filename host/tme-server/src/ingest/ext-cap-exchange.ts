// Maps a connector's ext_cap report onto the filter's record shape, so both
// sources share one path through redaction, attributes, spool and export.
import type { IncomingHttpHeaders } from 'node:http';
import { bodyFromBytes } from '../record/body-encoding.ts';
import type { ExtCapReport } from './ext-cap-schema.ts';
import type { CaptureBody, CaptureRecord, HeaderList } from './record-schema.ts';

const UNKNOWN_SERVICE = 'unknown_service';
const UNKNOWN_MODULE_VERSION = 'ext_cap';

// The Traefik plugin sends each `traceableai-*` header twice, dashed and dotted;
// the edge-function connectors send only the dashed form.
function senderHeader(headers: IncomingHttpHeaders, dashed: string, dotted: string): string | undefined {
  const value = headers[dashed] ?? headers[dotted];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function headerPairs(map: Record<string, string> | null | undefined): HeaderList {
  return Object.entries(map ?? {}).map(([name, value]) => [name.toLowerCase(), value]);
}

function body(data: string | null | undefined, truncated: boolean | undefined): CaptureBody | undefined {
  if (data == null || data === '') return undefined;
  const bytes = Buffer.from(data, 'base64');
  // Connectors send only what they captured; the original length is unknown.
  return bodyFromBytes(bytes, bytes.length, truncated ?? false);
}

function parseUrl(url: string | null | undefined): URL | undefined {
  if (!url) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function startTimeUnixNano(report: ExtCapReport, receivedAtMs: number): string {
  const ms = report.request_timestamp_in_ms ?? report.requestTimestampInMs;
  if (ms !== undefined) return (BigInt(ms) * 1_000_000n).toString();
  const micros = report.request.micros_since_epoch;
  if (micros !== undefined) return (BigInt(micros) * 1_000n).toString();
  return (BigInt(receivedAtMs) * 1_000_000n).toString();
}

export function extCapToRecord(report: ExtCapReport, postHeaders: IncomingHttpHeaders, receivedAtMs: number): CaptureRecord {
  const { request, response } = report;
  const requestHeaders = headerPairs(request.headers);
  const responseHeaders = headerPairs(response.headers);
  const url = parseUrl(response.request_url ?? response.requestUrl);
  const scheme = (request.scheme || url?.protocol || 'http').replace(/:$/, '');
  const duration = senderHeader(postHeaders, 'traceableai-total-duration-nanos', 'traceableai.total_duration_nanos');
  const grpcStatus = responseHeaders.find(([name]) => name === 'grpc-status')?.[1];

  return {
    id: requestHeaders.find(([name]) => name === 'x-request-id')?.[1] ?? '',
    service: senderHeader(postHeaders, 'traceableai-service-name', 'traceableai.service.name') ?? UNKNOWN_SERVICE,
    module_version: senderHeader(postHeaders, 'traceableai-module-version', 'traceableai.module.version') ?? UNKNOWN_MODULE_VERSION,
    start_time_unix_nano: startTimeUnixNano(report, receivedAtMs),
    duration_nano: duration !== undefined && /^\d{1,15}$/.test(duration) ? Number(duration) : 0,
    client: { address: request.source_address ?? '', port: request.source_port ?? 0 },
    request: {
      method: request.method,
      scheme,
      authority: request.host || requestHeaders.find(([name]) => name === 'host')?.[1] || url?.host || '',
      path: request.path,
      query: url ? url.search.replace(/^\?/, '') : '',
      // Connectors do not report the HTTP version.
      protocol: '',
      headers: requestHeaders,
      body: body(request.body, request.truncated),
    },
    response: {
      status: response.status_code ?? response.statusCode ?? 0,
      headers: responseHeaders,
      body: body(response.body, response.truncated),
      grpc_status: grpcStatus !== undefined && /^\d+$/.test(grpcStatus) ? grpcStatus : undefined,
    },
  };
}
