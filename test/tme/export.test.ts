import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };
import { plainAttributes, startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.ts';
import { spawnTme, startTestTme, type TestTme } from './helpers/tme.ts';

const SPAN_KIND_SERVER = 2;
const STATUS_CODE_ERROR = 2;

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

describe('OTLP export', () => {
  let receiver: OtlpReceiver;
  let tme: TestTme;
  before(async () => {
    receiver = await startOtlpReceiver();
    tme = await startTestTme({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', TME_ENVIRONMENT: 'staging' });
  });
  after(async () => {
    await tme.stop();
    await receiver.close();
  });

  test('each accepted record becomes a SERVER span with the record times, service resource and attributes', async () => {
    assert.equal((await tme.post('/v1/records', batch)).status, 200);
    const spans = await receiver.waitForSpans(2);
    assert.equal(spans.length, 2);
    assert.equal(receiver.exports[0]!.contentType, 'application/json');

    const orders = spans.find((s) => s.name === 'POST /api/orders');
    assert.ok(orders, `span names: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(orders.kind, SPAN_KIND_SERVER);
    assert.equal(String(orders.startTimeUnixNano), '1700000000123456789');
    assert.equal(String(orders.endTimeUnixNano), '1700000000125956789');
    const attributes = plainAttributes(orders.attributes);
    assert.equal(attributes['http.request.method'], 'POST');
    assert.equal(attributes['server.port'], 8443);
    assert.equal(attributes['http.response.status_code'], 201);
    assert.deepEqual(attributes['http.request.header.accept'], ['application/json', 'text/plain']);
    assert.equal(attributes['http.response.body.truncated'], true);
    assert.equal(attributes['gatewarden.request.id'], '5f0c2a9e-1b7d-4c1e-9a53-3f1c9d0e7b21');

    const services = receiver.exports
      .flatMap((e) => e.resourceSpans)
      .map((rs) => plainAttributes(rs.resource.attributes)['service.name'])
      .sort();
    assert.deepEqual(services, ['istio', 'payments']);
    for (const rs of receiver.exports.flatMap((e) => e.resourceSpans)) {
      assert.equal(plainAttributes(rs.resource.attributes)['deployment.environment.name'], 'staging');
    }

    await eventually(async () => (await tme.metric('tme_records_exported_total')) === 2, 'tme_records_exported_total 2');
    assert.equal(await tme.metric('tme_export_failures_total'), 0);
  });

  test('a 5xx response becomes an error span', async () => {
    const failed = structuredClone(batch.records[0]!);
    failed.id = 'upstream-503';
    failed.response.status = 503;
    const already = receiver.spans().length;
    assert.equal((await tme.post('/v1/records', { records: [failed] })).status, 200);
    const span = (await receiver.waitForSpans(already + 1)).at(-1)!;
    assert.equal(plainAttributes(span.attributes)['gatewarden.request.id'], 'upstream-503');
    assert.equal(span.status?.code, STATUS_CODE_ERROR);
  });
});

describe('OTLP export failures', () => {
  test('a receiver answering 500 is counted as an export failure, and ingest still succeeds', async () => {
    const receiver = await startOtlpReceiver(500);
    const tme = await startTestTme({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, OTEL_BSP_SCHEDULE_DELAY: '50' });
    try {
      assert.equal((await tme.post('/v1/records', batch)).status, 200);
      await eventually(async () => (await tme.metric('tme_export_failures_total')) >= 1, 'an export failure');
      assert.equal(await tme.metric('tme_records_exported_total'), 0);
    } finally {
      await tme.stop();
      await receiver.close();
    }
  });

  test('an unreachable receiver is counted as an export failure', async () => {
    const receiver = await startOtlpReceiver();
    const url = receiver.url;
    await receiver.close(); // nothing listens on this port any more
    const spoolDir = await mkdtemp(join(tmpdir(), 'tme-test-'));
    // A child process, so the exporter's own timeout variable can be set without touching this process.
    const child = await spawnTme({
      TME_HTTP_PORT: '0',
      TME_GRPC_PORT: '0',
      TME_SPOOL_DIR: spoolDir,
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '300',
    });
    try {
      assert.ok(child.listening, child.stderr());
      const base = `http://${/http=(\S+)/.exec(child.listening)![1]}`;
      const post = await fetch(`${base}/v1/records`, { method: 'POST', body: JSON.stringify(batch) });
      assert.equal(post.status, 200);
      await eventually(
        async () => / tme_export_failures_total [1-9]/.test(` ${(await (await fetch(`${base}/metrics`)).text()).replace(/\n/g, ' ')}`),
        'an export failure',
      );
    } finally {
      assert.equal(await child.stop(), 0);
      await rm(spoolDir, { recursive: true, force: true });
    }
  });

  test('spans still queued are sent on shutdown', async () => {
    const receiver = await startOtlpReceiver();
    const tme = await startTestTme({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '600000' });
    try {
      assert.equal((await tme.post('/v1/records', batch)).status, 200);
      assert.equal(receiver.spans().length, 0, 'nothing sent before the (long) batch delay');
      await tme.stop();
      assert.equal(receiver.spans().length, 2);
    } finally {
      await tme.stop();
      await receiver.close();
    }
  });
});
