// The one mapping from a record to the attributes every capture carries, under
// OpenTelemetry semantic-convention names. Spans and /v1/captures both use it,
// so a field means the same thing in every backend.
import type { CaptureBody, CaptureRecord, HeaderList } from '../ingest/record-schema.ts';

export type AttributeValue = string | number | boolean | string[];
export type CaptureAttributes = Record<string, AttributeValue>;

interface Authority {
  host: string;
  port?: number;
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

// "host", "host:port", "[v6]", "[v6]:port"; a bare IPv6 address has several colons and no port.
export function splitAuthority(authority: string): Authority {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close > 0) {
      const rest = authority.slice(close + 1);
      return { host: authority.slice(1, close), port: rest.startsWith(':') ? parsePort(rest.slice(1)) : undefined };
    }
  }
  const colon = authority.indexOf(':');
  if (colon >= 0 && colon === authority.lastIndexOf(':')) {
    return { host: authority.slice(0, colon), port: parsePort(authority.slice(colon + 1)) };
  }
  return { host: authority };
}

// "HTTP/1.0" -> "1.0", "HTTP/1.1" -> "1.1", "HTTP/2(.0)" -> "2", "HTTP/3(.0)" -> "3"; "" when unknown.
export function protocolVersion(protocol: string): string {
  const slash = protocol.indexOf('/');
  const version = slash >= 0 ? protocol.slice(slash + 1) : protocol;
  return version.replace(/^([23])\.0$/, '$1');
}

function addHeaders(out: CaptureAttributes, prefix: string, headers: HeaderList | undefined): void {
  for (const [rawName, value] of headers ?? []) {
    const key = `${prefix}.${rawName.toLowerCase()}`;
    const values = out[key];
    if (Array.isArray(values)) values.push(value);
    else out[key] = [value];
  }
}

function addBody(out: CaptureAttributes, prefix: string, body: CaptureBody | undefined): void {
  if (body === undefined) return;
  out[prefix] = body.data;
  out[`${prefix}.encoding`] = body.encoding;
  out[`${prefix}.size`] = body.size;
  out[`${prefix}.truncated`] = body.truncated;
}

function addVerdict(out: CaptureAttributes, verdict: Record<string, unknown> | undefined): void {
  for (const [key, value] of Object.entries(verdict ?? {})) {
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
      out[`gatewarden.verdict.${key}`] = value;
    }
  }
}

export function recordAttributes(record: CaptureRecord): CaptureAttributes {
  const { request, response, client } = record;
  const out: CaptureAttributes = {};

  out['http.request.method'] = request.method;
  out['url.scheme'] = request.scheme;
  const authority = splitAuthority(request.authority);
  if (authority.host !== '') out['server.address'] = authority.host;
  if (authority.port !== undefined) out['server.port'] = authority.port;
  out['url.path'] = request.path;
  if (request.query !== '') out['url.query'] = request.query;
  out['network.protocol.name'] = 'http';
  const version = protocolVersion(request.protocol);
  if (version !== '') out['network.protocol.version'] = version;
  if (client.address !== '') {
    out['client.address'] = client.address;
    out['client.port'] = client.port;
  }
  if (client.peer !== undefined && client.peer !== '') {
    out['network.peer.address'] = client.peer;
  }
  const userAgent = request.headers.find(([name]) => name.toLowerCase() === 'user-agent');
  if (userAgent) out['user_agent.original'] = userAgent[1];

  addHeaders(out, 'http.request.header', request.headers);
  addHeaders(out, 'http.request.trailer', request.trailers);
  addBody(out, 'http.request.body', request.body);

  // 0 means the upstream never answered; semconv sets the code only for a received response.
  if (response.status !== 0) out['http.response.status_code'] = response.status;
  addHeaders(out, 'http.response.header', response.headers);
  addHeaders(out, 'http.response.trailer', response.trailers);
  addBody(out, 'http.response.body', response.body);
  if (response.grpc_status !== undefined) out['rpc.grpc.status_code'] = Number(response.grpc_status);

  out['gatewarden.request.id'] = record.id;
  out['gatewarden.module.version'] = record.module_version;
  out['gatewarden.service.name'] = record.service;
  addVerdict(out, record.verdict);
  return out;
}
