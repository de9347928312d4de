// What the API shows of endpoints: a summary row for lists, the full detail
// with schemas as JSON Schema, and the OpenAPI 3.1 document of everything
// learned. Pure functions of the inventory's state.
import { OVERFLOW_TEMPLATE, type Endpoint } from './endpoint.ts';
import type { Inventory } from './inventory.ts';
import { toJsonSchema, type JsonSchema, type SchemaSummary } from './schema.ts';
import { hllCount, latencyQuantile } from './sketches.ts';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function sortedKeys(counts: Record<string, number>): string[] {
  return Object.keys(counts).sort();
}

export function endpointSummary(inventory: Inventory, e: Endpoint): Record<string, unknown> {
  return {
    id: e.id,
    host: e.host,
    method: e.method,
    template: e.template,
    overflow: e.template === OVERFLOW_TEMPLATE,
    count: e.count,
    firstSeen: iso(e.firstSeen),
    lastSeen: iso(e.lastSeen),
    statuses: e.statuses,
    sensitive: sortedKeys(e.sensitive),
    sensitiveCounts: e.sensitive,
    blocked: e.blocked,
    clients: hllCount(e.clients),
    latencyMs: { p50: latencyQuantile(e.latency, 0.5), p90: latencyQuantile(e.latency, 0.9), p99: latencyQuantile(e.latency, 0.99) },
    shadow: inventory.isShadow(e),
    operation: inventory.operationOf(e),
    drift: e.drift,
  };
}

export function endpointDetail(inventory: Inventory, e: Endpoint): Record<string, unknown> {
  const responses: Record<string, JsonSchema> = {};
  for (const status of Object.keys(e.responses).sort()) responses[status] = toJsonSchema(e.responses[status]!);
  return {
    ...endpointSummary(inventory, e),
    learned: e.learned,
    requestContentTypes: e.requestContentTypes,
    responseContentTypes: e.responseContentTypes,
    pathParameters: toJsonSchema(e.pathParams),
    query: toJsonSchema(e.query),
    headers: toJsonSchema(e.headers),
    requestBody: e.requestBody.count > 0 ? toJsonSchema(e.requestBody) : undefined,
    responses,
    driftExamples: e.driftExamples,
  };
}

function dominantKey(counts: Record<string, number>, fallback: string): string {
  let best = fallback;
  let bestCount = 0;
  for (const key of Object.keys(counts)) {
    if (counts[key]! > bestCount) {
      best = key;
      bestCount = counts[key]!;
    }
  }
  return best;
}

function parameters(
  where: 'path' | 'query' | 'header',
  summary: SchemaSummary,
  required: (name: string) => boolean,
): Record<string, unknown>[] {
  const schema = toJsonSchema(summary);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return Object.keys(properties).map((name) => {
    const { ['x-gatewarden-sensitive']: sensitive, ...rest } = properties[name]!;
    return {
      name,
      in: where,
      required: where === 'path' || required(name),
      schema: rest,
      ...(sensitive === undefined ? {} : { 'x-gatewarden-sensitive': sensitive }),
    };
  });
}

// OpenAPI forbids these as header parameters: they are described elsewhere (content, security).
const RESERVED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

function operation(e: Endpoint): Record<string, unknown> {
  const querySchema = toJsonSchema(e.query);
  const requiredQuery = new Set((querySchema.required as string[] | undefined) ?? []);
  const requiredHeaders = new Set((toJsonSchema(e.headers).required as string[] | undefined) ?? []);
  const headers = parameters('header', e.headers, (n) => requiredHeaders.has(n)).filter((p) => !RESERVED_HEADERS.has(p.name as string));
  const responses: Record<string, unknown> = {};
  const responseType = dominantKey(e.responseContentTypes, 'application/json');
  for (const status of Object.keys(e.statuses).sort()) {
    if (!/^[1-5]\d\d$/.test(status)) continue;
    const summary = e.responses[status];
    responses[status] = {
      description: `Seen ${e.statuses[status]} times`,
      ...(summary === undefined ? {} : { content: { [responseType]: { schema: toJsonSchema(summary) } } }),
    };
  }
  if (Object.keys(responses).length === 0) responses.default = { description: 'No response observed' };
  const out: Record<string, unknown> = {
    operationId: `${e.method.toLowerCase()}_${e.id}`,
    parameters: [...parameters('path', e.pathParams, () => true), ...parameters('query', e.query, (n) => requiredQuery.has(n)), ...headers],
    responses,
    'x-gatewarden-count': e.count,
    'x-gatewarden-host': e.host,
  };
  const classes = sortedKeys(e.sensitive);
  if (classes.length > 0) out['x-gatewarden-sensitive'] = classes;
  if (e.requestBody.count > 0) {
    out.requestBody = { content: { [dominantKey(e.requestContentTypes, 'application/json')]: { schema: toJsonSchema(e.requestBody) } } };
  }
  return out;
}

// Path parameters the template names; OpenAPI wants each declared exactly once.
function pathParamNames(template: string): string[] {
  return template
    .split('/')
    .filter((s) => s.startsWith('{') && s.endsWith('}'))
    .map((s) => s.slice(1, -1));
}

/** OpenAPI 3.1 of the learned endpoints (of one host, or all: the busiest wins where two hosts share a path). */
export function openApiDocument(inventory: Inventory, host: string | undefined): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const endpoints = inventory
    .endpoints()
    .filter(
      (e) =>
        e.template !== OVERFLOW_TEMPLATE && (host === undefined || e.host === host) && /^[A-Z]+$/.test(e.method) && e.method !== 'OTHER',
    )
    .sort((a, b) => b.count - a.count);
  const methods = new Set(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE']);
  for (const e of endpoints) {
    if (!methods.has(e.method)) continue;
    const item = (paths[e.template] ??= {});
    const key = e.method.toLowerCase();
    if (item[key] !== undefined) continue;
    const op = operation(e);
    // Every templated name must be declared as a path parameter, even if no value was learned yet.
    const declared = new Set((op.parameters as { name: string; in: string }[]).filter((p) => p.in === 'path').map((p) => p.name));
    const params = (op.parameters as Record<string, unknown>[]).filter(
      (p) => p.in !== 'path' || pathParamNames(e.template).includes(p.name as string),
    );
    for (const name of pathParamNames(e.template))
      if (!declared.has(name)) params.unshift({ name, in: 'path', required: true, schema: { type: 'string' } });
    op.parameters = params;
    item[key] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: host === undefined ? 'APIs seen by Gatewarden' : `APIs of ${host} seen by Gatewarden`,
      version: new Date().toISOString(),
    },
    paths,
  };
}
