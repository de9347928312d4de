// One endpoint (host, method, path template) and everything learned about it:
// counters updated for every exchange (count), schemas folded from a sample of
// them (learn), and merge/restore for snapshots and other replicas' state.
// Every map here has a fixed key bound, so an endpoint's size is bounded.
import { createHash } from 'node:crypto';
import { addCount, dict, mergeCounts, type Dict } from './dict.ts';
import { parseBody, paramsObject, requestBody, requestHeaders, responseBody, typedValue, type ExchangeView } from './exchange-view.ts';
import { emptyHll, emptyLatency, hllAddHash, hllFromBase64, hllMerge, hllToBase64, latencyBucket, mergeLatency } from './sketches.ts';
import { emptySummary, fold, mergeSummary, restoreSummary, type FieldChanges, type SchemaSummary } from './schema.ts';
import type { SensitiveClass } from './sensitive.ts';
import { splitPath } from './path-template.ts';

const MAX_STATUSES = 16;
const MAX_CONTENT_TYPES = 8;
const MAX_CATEGORIES = 16;
export const MAX_DRIFT_EXAMPLES = 5;
/** Template of the endpoint that counts a host's exchanges past its endpoint bound. */
export const OVERFLOW_TEMPLATE = '/*';

// Request headers whose presence and shape describe the API (auth, content negotiation, idempotency);
// other x-* headers are kept too, up to the schema's property bound.
const HEADERS_OF_INTEREST = new Set([
  'authorization',
  'cookie',
  'content-type',
  'accept',
  'accept-language',
  'idempotency-key',
  'if-match',
  'if-none-match',
  'api-key',
]);
const INFRASTRUCTURE_HEADER = /^x-(?:forwarded-|envoy-|b3-|request-id$|real-ip$|test-id$)/;

export interface DriftExample {
  kind: string;
  location: string;
  expected?: string;
  got?: string;
  at: string;
}

export interface Endpoint {
  id: string;
  host: string;
  method: string;
  template: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  statuses: Dict<number>;
  requestContentTypes: Dict<number>;
  responseContentTypes: Dict<number>;
  latency: number[];
  clients: Uint8Array;
  /** Exchanges in which each sensitive class was found. */
  sensitive: Dict<number>;
  /** Attacks blocked here, per detection category. */
  blocked: Dict<number>;
  /** Exchanges whose schemas were learned (a sample under load). */
  learned: number;
  pathParams: SchemaSummary;
  query: SchemaSummary;
  headers: SchemaSummary;
  requestBody: SchemaSummary;
  responses: Dict<SchemaSummary>;
  drift: Dict<number>;
  driftExamples: DriftExample[];
}

export function endpointId(host: string, method: string, template: string): string {
  return createHash('sha256').update(`${host} ${method} ${template}`).digest('hex').slice(0, 16);
}

export function newEndpoint(host: string, method: string, template: string, at: number): Endpoint {
  return {
    id: endpointId(host, method, template),
    host,
    method,
    template,
    count: 0,
    firstSeen: at,
    lastSeen: at,
    statuses: dict(),
    requestContentTypes: dict(),
    responseContentTypes: dict(),
    latency: emptyLatency(),
    clients: emptyHll(),
    sensitive: dict(),
    blocked: dict(),
    learned: 0,
    pathParams: emptySummary(),
    query: emptySummary(),
    headers: emptySummary(),
    requestBody: emptySummary(),
    responses: dict(),
    drift: dict(),
    driftExamples: [],
  };
}

function addBounded(counts: Dict<number>, key: string, max: number): void {
  if (key === '') return;
  if (counts[key] !== undefined || Object.keys(counts).length < max) addCount(counts, key);
}

/** The per-exchange counters: cheap, run for every exchange. */
export function count(endpoint: Endpoint, view: ExchangeView): void {
  endpoint.count++;
  if (view.at < endpoint.firstSeen) endpoint.firstSeen = view.at;
  if (view.at > endpoint.lastSeen) endpoint.lastSeen = view.at;
  addBounded(endpoint.statuses, String(view.status), MAX_STATUSES);
  addBounded(endpoint.requestContentTypes, view.requestContentType, MAX_CONTENT_TYPES);
  addBounded(endpoint.responseContentTypes, view.responseContentType, MAX_CONTENT_TYPES);
  endpoint.latency[latencyBucket(view.durationMicros)]!++;
  if (view.clientHash !== undefined) hllAddHash(endpoint.clients, view.clientHash);
  if (view.verdictAction === 'block') addBounded(endpoint.blocked, view.verdictCategory ?? 'policy', MAX_CATEGORIES);
}

function interestingHeaders(headers: readonly [string, string][]): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, value] of headers) {
    if (HEADERS_OF_INTEREST.has(name) || (name.startsWith('x-') && !INFRASTRUCTURE_HEADER.test(name))) out[name] = value;
  }
  return out;
}

function pathParamValues(template: string, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  const names = splitPath(template);
  const values = splitPath(path);
  for (let i = 0; i < names.length && i < values.length; i++) {
    const name = names[i]!;
    if (name.startsWith('{') && name.endsWith('}')) out[name.slice(1, -1)] = typedValue(values[i]!);
  }
  return out;
}

export interface Learned {
  query: Record<string, unknown>;
  /** The parsed request body, or undefined when there is none or it is not JSON/form. */
  body: unknown;
  hasBody: boolean;
}

/** `changes` with its places rooted at `root` (path, query, header, body, response.<status>). */
function under(changes: FieldChanges | undefined, root: string): FieldChanges | undefined {
  if (changes !== undefined) changes.trail = [root];
  return changes;
}

/**
 * Folds the exchange's parameters, headers and bodies into the endpoint's schemas. Linear in the exchange.
 * What was new (fields, sensitive classes on a field) is noted in `changes` when given.
 */
export function learn(endpoint: Endpoint, view: ExchangeView, changes?: FieldChanges): Learned {
  endpoint.learned++;
  const found = new Set<SensitiveClass>();
  const query = paramsObject(view.query);
  if (endpoint.template !== OVERFLOW_TEMPLATE)
    fold(endpoint.pathParams, '', pathParamValues(endpoint.template, view.path), found, 0, under(changes, 'path'));
  fold(endpoint.query, '', query, found, 0, under(changes, 'query'));
  fold(endpoint.headers, '', interestingHeaders(requestHeaders(view)), found, 0, under(changes, 'header'));
  const requestView = requestBody(view);
  const body = requestView === undefined ? undefined : parseBody(requestView);
  if (body !== undefined) fold(endpoint.requestBody, '', body, found, 0, under(changes, 'body'));
  const responseView = responseBody(view);
  const response = responseView === undefined ? undefined : parseBody(responseView);
  const status = String(view.status);
  if (response !== undefined && view.status !== 0) {
    let summary = endpoint.responses[status];
    if (summary === undefined && Object.keys(endpoint.responses).length < MAX_STATUSES)
      summary = endpoint.responses[status] = emptySummary();
    if (summary !== undefined) fold(summary, '', response, found, 0, under(changes, `response.${status}`));
  }
  for (const c of found) addCount(endpoint.sensitive, c);
  return { query, body, hasBody: requestView !== undefined };
}

export function noteDrift(endpoint: Endpoint, findings: readonly Omit<DriftExample, 'at'>[], at: number): void {
  for (const finding of findings) {
    addBounded(endpoint.drift, finding.kind, 8);
    endpoint.driftExamples.push({ ...finding, at: new Date(at).toISOString() });
    if (endpoint.driftExamples.length > MAX_DRIFT_EXAMPLES) endpoint.driftExamples.shift();
  }
}

/** Adds `from` (the same endpoint, learned elsewhere or earlier) into `into`. */
export function mergeEndpoint(into: Endpoint, from: Endpoint): void {
  into.count += from.count;
  into.firstSeen = Math.min(into.firstSeen, from.firstSeen);
  into.lastSeen = Math.max(into.lastSeen, from.lastSeen);
  mergeCounts(into.statuses, from.statuses, MAX_STATUSES);
  mergeCounts(into.requestContentTypes, from.requestContentTypes, MAX_CONTENT_TYPES);
  mergeCounts(into.responseContentTypes, from.responseContentTypes, MAX_CONTENT_TYPES);
  mergeLatency(into.latency, from.latency);
  hllMerge(into.clients, from.clients);
  mergeCounts(into.sensitive, from.sensitive, 16);
  mergeCounts(into.blocked, from.blocked, MAX_CATEGORIES);
  into.learned += from.learned;
  mergeSummary(into.pathParams, from.pathParams);
  mergeSummary(into.query, from.query);
  mergeSummary(into.headers, from.headers);
  mergeSummary(into.requestBody, from.requestBody);
  for (const status of Object.keys(from.responses)) {
    let summary = into.responses[status];
    if (summary === undefined) {
      if (Object.keys(into.responses).length >= MAX_STATUSES) continue;
      summary = into.responses[status] = emptySummary();
    }
    mergeSummary(summary, from.responses[status]!);
  }
  mergeCounts(into.drift, from.drift, 8);
  into.driftExamples = [...into.driftExamples, ...from.driftExamples].sort((a, b) => a.at.localeCompare(b.at)).slice(-MAX_DRIFT_EXAMPLES);
}

/** The endpoint as plain JSON (the snapshot and /v1/apis/state form). */
export function endpointToJson(endpoint: Endpoint): Record<string, unknown> {
  return { ...endpoint, clients: hllToBase64(endpoint.clients) };
}

function text(value: unknown, max: number): string {
  return typeof value === 'string' ? value.slice(0, max) : '';
}

function finite(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** An endpoint from untrusted JSON; undefined when it lacks an identity. Its id is recomputed, never trusted. */
export function restoreEndpoint(raw: unknown): Endpoint | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const host = text(r.host, 253);
  const method = text(r.method, 16);
  const template = text(r.template, 2048);
  if (method === '' || !template.startsWith('/')) return undefined;
  const now = Date.now();
  const out = newEndpoint(host, method, template, finite(r.firstSeen, now));
  out.lastSeen = finite(r.lastSeen, out.firstSeen);
  out.count = finite(r.count, 0);
  out.learned = finite(r.learned, 0);
  mergeCounts(out.statuses, r.statuses as Dict<number>, MAX_STATUSES);
  mergeCounts(out.requestContentTypes, r.requestContentTypes as Dict<number>, MAX_CONTENT_TYPES);
  mergeCounts(out.responseContentTypes, r.responseContentTypes as Dict<number>, MAX_CONTENT_TYPES);
  mergeLatency(out.latency, r.latency);
  out.clients = hllFromBase64(r.clients);
  mergeCounts(out.sensitive, r.sensitive as Dict<number>, 16);
  mergeCounts(out.blocked, r.blocked as Dict<number>, MAX_CATEGORIES);
  out.pathParams = restoreSummary(r.pathParams);
  out.query = restoreSummary(r.query);
  out.headers = restoreSummary(r.headers);
  out.requestBody = restoreSummary(r.requestBody);
  if (r.responses !== null && typeof r.responses === 'object') {
    for (const status of Object.keys(r.responses).slice(0, MAX_STATUSES)) {
      if (/^\d{1,3}$/.test(status)) out.responses[status] = restoreSummary((r.responses as Record<string, unknown>)[status]);
    }
  }
  mergeCounts(out.drift, r.drift as Dict<number>, 8);
  if (Array.isArray(r.driftExamples)) {
    out.driftExamples = r.driftExamples.slice(-MAX_DRIFT_EXAMPLES).map((e: Record<string, unknown>) => ({
      kind: text(e?.kind, 40),
      location: text(e?.location, 200),
      expected: text(e?.expected, 40) || undefined,
      got: text(e?.got, 40) || undefined,
      at: text(e?.at, 40),
    }));
  }
  return out;
}
