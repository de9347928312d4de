import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };
import traefikBody from './fixtures/ext-cap-traefik.body.json' with { type: 'json' };
import { startTestTme, type TestTme } from './helpers/tme.ts';

describe('GET /metrics', () => {
  let tme: TestTme;
  before(async () => {
    tme = await startTestTme();
  });
  after(() => tme.stop());

  test('is Prometheus text with the TME series and process metrics', async () => {
    const res = await tme.get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    for (const name of [
      'tme_records_received_total',
      'tme_records_rejected_total',
      'tme_records_exported_total',
      'tme_export_failures_total',
      'tme_spool_bytes',
      'process_cpu_user_seconds_total',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
  });

  test('counters move with received, rejected and spooled records, per source', async () => {
    const gw = '{source="gatewarden"}';
    const ext = '{source="ext_cap"}';
    assert.equal(await tme.metric('tme_records_received_total', gw), 0);
    assert.equal(await tme.metric('tme_spool_bytes'), 0);

    const records = [...batch.records, { broken: true }];
    assert.equal((await tme.post('/v1/records', { records })).status, 200);
    assert.equal((await tme.post('/ext_cap/v1/req_res_cap', traefikBody)).status, 200);
    assert.equal((await tme.post('/ext_cap/v1/req_res_cap', { request: {} })).status, 400);

    assert.equal(await tme.metric('tme_records_received_total', gw), 3);
    assert.equal(await tme.metric('tme_records_rejected_total', gw), 1);
    assert.equal(await tme.metric('tme_records_received_total', ext), 2);
    assert.equal(await tme.metric('tme_records_rejected_total', ext), 1);
    const spooled = (await tme.spoolLines()).reduce((sum, line) => sum + Buffer.byteLength(JSON.stringify(line)) + 1, 0);
    assert.equal(await tme.metric('tme_spool_bytes'), spooled);
    assert.equal(await tme.metric('tme_records_exported_total'), 0, 'no OTLP endpoint configured');
  });
});
