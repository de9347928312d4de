// The inventory seen from outside, through a real TME: its changes exported as OTLP log records to a
// real HTTP receiver (decoded and checked: names, places and classes, never values), bounded by
// TME_API_EVENTS_PER_SECOND; and its Prometheus metrics read from the real /metrics endpoint.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../host/tme-server/src/config.ts';
import { plainAttributes, startOtlpReceiver, type OtlpLogRecord, type OtlpReceiver } from './helpers/otlp-receiver.ts';
import { startTestTme, type TestTme } from './helpers/tme.ts';

const EMAIL = 'ada.lovelace@example.org';
const SPEC = {
  openapi: '3.1.0',
  info: { title: 'shop', version: '1' },
  paths: {
    '/api/users/{id}': { get: { responses: { '200': { description: 'ok' } } } },
    '/api/users': {
      post: {
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { age: { type: 'integer' } } } } } },
        responses: { '200': { description: 'ok' } },
      },
    },
  },
};

let sequence = 0;
function record(
  method: string,
  path: string,
  options: { host?: string; request?: unknown; response?: unknown } = {},
): Record<string, unknown> {
  const body = (value: unknown) => {
    const data = JSON.stringify(value);
    return { data, encoding: 'utf8', size: data.length, truncated: false };
  };
  const json: [string, string][] = [['content-type', 'application/json']];
  return {
    id: `r${++sequence}`,
    service: 'istio',
    module_version: 'test',
    start_time_unix_nano: '1700000000000000000',
    duration_nano: 1000,
    client: { address: '10.0.0.1', port: 40000 },
    request: {
      method,
      scheme: 'http',
      authority: options.host ?? 'shop.example',
      path,
      query: '',
      protocol: 'HTTP/1.1',
      headers: options.request === undefined ? [] : json,
      ...(options.request === undefined ? {} : { body: body(options.request) }),
    },
    response: { status: 200, headers: json, ...(options.response === undefined ? {} : { body: body(options.response) }) },
    redacted: true,
  };
}

function events(records: OtlpLogRecord[], name: string): Record<string, unknown>[] {
  return records
    .filter((r) => r.eventName === `gatewarden.inventory.${name}`)
    .map((r) => ({ ...plainAttributes(r.attributes), body: r.body?.stringValue, severity: r.severityText }));
}

async function metricsText(tme: TestTme): Promise<string> {
  return (await fetch(`${tme.url}/metrics`)).text();
}

describe('inventory changes as OTLP log records, and inventory metrics', () => {
  let receiver: OtlpReceiver;
  let tme: TestTme;
  let dir: string;
  before(async () => {
    receiver = await startOtlpReceiver();
    dir = await mkdtemp(join(tmpdir(), 'tme-specs-'));
    await writeFile(join(dir, 'spec.json'), JSON.stringify(SPEC));
    tme = await startTestTme({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      TME_API_SPECS_FILE: join(dir, 'spec.json'),
      TME_ENVIRONMENT: 'staging',
    });
  });
  after(async () => {
    await tme.stop();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('new endpoints, shadow endpoints, new fields, sensitive classes and drift become log records', async () => {
    const batch = [
      record('GET', '/api/users/1', { response: { id: 1, email: EMAIL } }),
      record('GET', '/internal/debug', { response: { ok: true } }),
      record('POST', '/api/users', { request: { age: 'thirty' } }),
    ];
    assert.equal((await tme.post('/v1/records', { records: batch })).status, 200);
    // Once the endpoint's schema is known, a field it never showed is news.
    await receiver.waitForLogs((r) => events(r, 'field.sensitive').length > 0, 'the first events');
    assert.equal(
      (await tme.post('/v1/records', { records: [record('GET', '/api/users/2', { response: { id: 2, email: EMAIL, nickname: 'bob' } })] }))
        .status,
      200,
    );
    const records = await receiver.waitForLogs(
      (r) => events(r, 'field.new').length > 0 && events(r, 'drift').length > 0,
      'field.new and drift',
    );

    const fresh = events(records, 'endpoint.new')
      .map((e) => `${e['http.request.method']} ${e['server.address']}${e['url.template']}`)
      .sort();
    assert.deepEqual(fresh, ['GET shop.example/api/users/{userId}', 'GET shop.example/internal/debug', 'POST shop.example/api/users']);
    const [shadow] = events(records, 'endpoint.shadow');
    assert.equal(shadow?.['url.template'], '/internal/debug');
    assert.equal(shadow?.severity, 'WARN');
    assert.match(String(shadow?.['gatewarden.api.endpoint.id']), /^[0-9a-f]{16}$/);
    assert.equal(events(records, 'endpoint.shadow').length, 1, 'documented endpoints are not shadow');

    const sensitive = events(records, 'field.sensitive');
    assert.deepEqual(
      sensitive.map((e) => [e['gatewarden.api.field'], e['gatewarden.api.sensitive.classes']]),
      [['response.200.email', ['email']]],
      'a class is news once per field',
    );
    assert.deepEqual(
      events(records, 'field.new').map((e) => e['gatewarden.api.field']),
      ['response.200.nickname'],
    );
    const [drift] = events(records, 'drift');
    assert.equal(drift?.['gatewarden.api.drift.kind'], 'wrong-type');
    assert.equal(drift?.['gatewarden.api.field'], 'body.age');
    assert.equal(drift?.['url.template'], '/api/users');

    const resource = plainAttributes(receiver.logExports[0]!.resourceLogs[0]!.resource.attributes);
    assert.equal(resource['service.name'], 'gatewarden-tme');
    assert.equal(resource['deployment.environment.name'], 'staging');
    for (const value of [EMAIL, 'thirty', 'bob']) assert.ok(!receiver.logBodies.join('').includes(value), `a log record holds ${value}`);

    assert.equal(await tme.metric('tme_inventory_events_exported_total'), records.length);
    assert.equal(await tme.metric('tme_inventory_events_dropped_total'), 0);
  });

  test('a field name from traffic is cut in the message and the attributes', async () => {
    const key = 'k'.repeat(5000);
    assert.equal(
      (await tme.post('/v1/records', { records: [record('GET', '/api/users/3', { response: { id: 3, [key]: 1 } })] })).status,
      200,
    );
    const records = await receiver.waitForLogs((r) => events(r, 'field.new').length > 1, 'the long field');
    const long = events(records, 'field.new').find((e) => String(e['gatewarden.api.field']).startsWith('response.200.kkk'))!;
    assert.equal(String(long['gatewarden.api.field']).length, 256);
    assert.ok(String(long.body).length <= 512);
  });

  test('the inventory metrics count endpoints by host and shadow, sensitive fields by class, drift and learning', async () => {
    const text = await metricsText(tme);
    assert.equal(await tme.metric('tme_inventory_endpoints', '{host="shop.example",shadow="true"}'), 1, text);
    assert.equal(await tme.metric('tme_inventory_endpoints', '{host="shop.example",shadow="false"}'), 2);
    assert.equal(await tme.metric('tme_inventory_sensitive_fields', '{class="email"}'), 1);
    assert.equal(await tme.metric('tme_inventory_sensitive_fields', '{class="card"}'), 0);
    assert.equal(await tme.metric('tme_inventory_drift_total', '{kind="wrong-type"}'), 1);
    assert.equal(await tme.metric('tme_inventory_drift_total', '{kind="missing-required"}'), 0);
    assert.equal(await tme.metric('tme_inventory_observed_total'), 5);
    assert.equal(await tme.metric('tme_inventory_learned_total'), 5);
    assert.ok((await tme.metric('tme_inventory_learn_seconds_total')) > 0);
    assert.equal(await tme.metric('tme_inventory_overflowed_total'), 0);
    assert.equal(await tme.metric('tme_inventory_learn_queue'), 0);
  });
});

test('events beyond TME_API_EVENTS_PER_SECOND are dropped and counted; host labels are capped', async () => {
  const receiver = await startOtlpReceiver();
  const tme = await startTestTme({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    TME_API_EVENTS_PER_SECOND: '1',
    TME_API_MAX_ENDPOINTS_PER_HOST: '2',
  });
  try {
    // 60 hosts with one endpoint each (60 endpoint.new events, 10 admitted at once), and a host past its endpoint bound.
    const records = [];
    for (let i = 0; i < 60; i++) records.push(record('GET', '/', { host: `h${i}.example` }));
    for (let i = 0; i < 5; i++) records.push(record('GET', `/p${i}/x`, { host: 'busy.example' }));
    assert.equal((await tme.post('/v1/records', { records })).status, 200);
    const exported = await receiver.waitForLogs((r) => r.length >= 10, 'the admitted burst');
    const dropped = await tme.metric('tme_inventory_events_dropped_total');
    assert.ok(exported.length <= 12, `${exported.length} exported`);
    assert.equal(exported.length + dropped, 62, `${exported.length} exported, ${dropped} dropped`);

    const lines = (await metricsText(tme)).split('\n').filter((l) => l.startsWith('tme_inventory_endpoints{'));
    const hosts = new Set(lines.map((l) => /host="([^"]*)"/.exec(l)![1]));
    assert.ok(hosts.size <= 51 && hosts.has('_other'), `${hosts.size} host labels`);
    const total = lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    assert.equal(total, 62, 'every endpoint but the overflow one is counted');
    assert.equal(await tme.metric('tme_inventory_overflowed_total'), 3);
  } finally {
    await tme.stop();
    await receiver.close();
  }
});

test('the logs endpoint and the event rate are validated, and the errors name the variable', () => {
  assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).otlpLogsUrl, 'http://collector:4318/v1/logs');
  assert.equal(
    loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:4318/x' }).otlpLogsUrl,
    'http://logs:4318/x',
  );
  assert.equal(loadConfig({}).otlpLogsUrl, undefined);
  assert.throws(
    () => loadConfig({ TME_API_EVENTS_PER_SECOND: 'many' }),
    (e: Error) => e instanceof ConfigError && e.message.includes('TME_API_EVENTS_PER_SECOND: expected an integer'),
  );
  assert.throws(
    () => loadConfig({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'ftp://x' }),
    (e: Error) => e instanceof ConfigError && e.message.includes('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT'),
  );
});
