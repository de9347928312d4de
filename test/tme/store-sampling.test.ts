// TME_STORE_SAMPLE_RATE and the filter's summaries: what is stored (spool, /v1/captures, OTLP) is a
// counted share, every record with a verdict is among it, summaries never are, and the inventory
// counts every record it received.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../host/tme-server/src/config.ts';
import { StoreSampler } from '../../host/tme-server/src/sampling/store-sampler.ts';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.ts';
import { startTestTme, type TestTme } from './helpers/tme.ts';

function record(id: string, path: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    service: 'istio',
    module_version: 'test',
    start_time_unix_nano: '1700000000000000000',
    duration_nano: 1000,
    client: { address: '10.0.0.1', port: 40000 },
    request: { method: 'GET', scheme: 'http', authority: 'shop.example', path, query: '', protocol: 'HTTP/1.1', headers: [] },
    response: { status: 200, headers: [['content-type', 'application/json']] },
    redacted: true,
    ...extra,
  };
}

/** A summary as the filter writes it: the mark first. */
function summary(id: string, path: string): Record<string, unknown> {
  return { sampled: false, ...record(id, path) };
}

const VERDICT = { verdict: { action: 'block', category: 'sqli', rule: 'sqli-1', location: 'query', snippet: 'x' } };

async function inventoryCount(tme: TestTme): Promise<number> {
  const res = await tme.get('/v1/apis');
  assert.equal(res.status, 200);
  const { endpoints } = (await res.json()) as { endpoints: { count: number }[] };
  return endpoints.reduce((n, e) => n + e.count, 0);
}

describe('TME_STORE_SAMPLE_RATE', () => {
  let receiver: OtlpReceiver;
  let tme: TestTme;
  before(async () => {
    receiver = await startOtlpReceiver();
    tme = await startTestTme({ TME_STORE_SAMPLE_RATE: '0.25', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
  });
  after(async () => {
    await tme.stop();
    await receiver.close();
  });

  test('stores one in four records without a verdict, every verdict, no summary; the inventory counts all', async () => {
    const records = [];
    for (let i = 0; i < 20; i++) records.push(record(`plain-${i}`, `/api/items/${i}`));
    for (let i = 0; i < 3; i++) records.push(record(`verdict-${i}`, '/api/search', VERDICT));
    for (let i = 0; i < 5; i++) records.push(summary(`summary-${i}`, `/api/items/${100 + i}`));
    // The slow path (not marked redacted) decides the same way.
    const { redacted: _, ...unmarked } = summary('summary-slow', '/api/items/200');
    records.push(unmarked, { ...record('plain-slow', '/api/items/201'), redacted: false });
    assert.equal((await tme.post('/v1/records', { records })).status, 200);

    const stored = (await tme.spoolLines()).map((line) => (line.record as { id: string }).id);
    assert.equal(stored.filter((id) => id.startsWith('verdict-')).length, 3, stored.join(','));
    assert.equal(stored.filter((id) => id.startsWith('summary-')).length, 0, stored.join(','));
    // 21 records without a verdict: the 4th, 8th, 12th, 16th and 20th are kept.
    assert.deepEqual(
      stored.filter((id) => id.startsWith('plain-')),
      ['plain-3', 'plain-7', 'plain-11', 'plain-15', 'plain-19'],
    );

    const captures = (await (await tme.get('/v1/captures?limit=100')).json()) as { captures: unknown[] };
    assert.equal(captures.captures.length, 8);
    await receiver.waitForSpans(8);
    await new Promise((done) => setTimeout(done, 200));
    assert.equal(receiver.spans().length, 8, 'only stored records are exported');

    assert.equal(await tme.metric('tme_records_not_stored_total', '{reason="summary"}'), 6);
    assert.equal(await tme.metric('tme_records_not_stored_total', '{reason="sampled_out"}'), 16);
    assert.equal(await inventoryCount(tme), 30);
  });

  test('GET /v1/sampling shows the rates in force and what they stored and left counted only', async () => {
    const res = await tme.get('/v1/sampling');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      storeSampleRate: 0.25,
      // 21 full records and 6 summaries without a verdict reached the TME: the filter kept 21 in 27.
      filterSampleRate: 21 / 27,
      received: { full: 21, summaries: 6, verdicts: 3 },
      counted: 30,
      stored: 8,
      notStored: { summary: 6, sampledOut: 16 },
    });
  });
});

test('GET /v1/sampling before any record, with the inventory off, and behind the admin token', async () => {
  const tme = await startTestTme({ TME_API_INVENTORY: 'off', TME_ADMIN_TOKEN: 'sampling-admin-token-0123' });
  try {
    assert.equal((await tme.get('/v1/sampling')).status, 401);
    const res = await fetch(`${tme.url}/v1/sampling`, { headers: { authorization: 'Bearer sampling-admin-token-0123' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      storeSampleRate: 1,
      filterSampleRate: null,
      received: { full: 0, summaries: 0, verdicts: 0 },
      counted: null,
      stored: null,
      notStored: { summary: 0, sampledOut: 0 },
    });
  } finally {
    await tme.stop();
  }
});

test('a summary is never stored, even at TME_STORE_SAMPLE_RATE 1', async () => {
  const tme = await startTestTme();
  try {
    assert.equal((await tme.post('/v1/records', { records: [summary('s', '/a'), record('r', '/a')] })).status, 200);
    assert.deepEqual(
      (await tme.spoolLines()).map((line) => (line.record as { id: string }).id),
      ['r'],
    );
    assert.equal(await inventoryCount(tme), 2);
  } finally {
    await tme.stop();
  }
});

test('a marked summary whose mark is not the first key is still a summary, never stored as a full record', async () => {
  // The fast path recognises the filter's summaries by their first bytes; a producer that writes the key
  // elsewhere must not get a summary stored and learned from as if it were the whole exchange.
  const tme = await startTestTme();
  try {
    const late = { ...record('late', '/a'), sampled: false };
    assert.equal((await tme.post('/v1/records', { records: [late, record('r', '/a')] })).status, 200);
    assert.deepEqual(
      (await tme.spoolLines()).map((line) => (line.record as { id: string }).id),
      ['r'],
    );
    assert.equal(await tme.metric('tme_records_not_stored_total', '{reason="summary"}'), 1);
    assert.equal(await inventoryCount(tme), 2);
  } finally {
    await tme.stop();
  }
});

test('a summary that carries a verdict is stored: a verdict always is, whatever else the record says', async () => {
  // The filter never writes one; a record that can put a client on the deny list must stay auditable.
  const tme = await startTestTme({ TME_STORE_SAMPLE_RATE: '0' });
  try {
    const slow: Record<string, unknown> = { ...summary('slow', '/a'), ...VERDICT };
    const { redacted: _, ...unmarked } = slow;
    const records = [{ ...summary('fast', '/a'), ...VERDICT }, unmarked, summary('plain', '/a')];
    assert.equal((await tme.post('/v1/records', { records })).status, 200);
    assert.deepEqual(
      (await tme.spoolLines()).map((line) => (line.record as { id: string }).id),
      ['fast', 'slow'],
    );
    const { captures } = (await (await tme.get('/v1/captures?limit=10')).json()) as { captures: { attributes: Record<string, unknown> }[] };
    assert.deepEqual(
      captures.map((c) => c.attributes['gatewarden.verdict.action']),
      ['block', 'block'],
    );
    assert.equal(await tme.metric('tme_records_not_stored_total', '{reason="summary"}'), 1);
    assert.equal(await inventoryCount(tme), 3);
  } finally {
    await tme.stop();
  }
});

test('TME_STORE_SAMPLE_RATE must be a number from 0 to 1, and the error names it', () => {
  for (const bad of ['1.5', '-0.1', '-0', 'half', '50%', 'NaN', 'Infinity', '1e1', '1e400', '0x1', ' 0.5', '.']) {
    assert.throws(
      () => loadConfig({ TME_STORE_SAMPLE_RATE: bad }),
      (error: Error) => error instanceof ConfigError && error.message.includes('TME_STORE_SAMPLE_RATE: expected a number from 0 to 1'),
    );
  }
  assert.equal(loadConfig({ TME_STORE_SAMPLE_RATE: '0.5' }).storeSampleRate, 0.5);
  assert.equal(loadConfig({ TME_STORE_SAMPLE_RATE: '0' }).storeSampleRate, 0);
  assert.equal(loadConfig({ TME_STORE_SAMPLE_RATE: '1.0' }).storeSampleRate, 1);
  // As Helm renders a small captureSampleRate.
  assert.equal(loadConfig({ TME_STORE_SAMPLE_RATE: '5e-05' }).storeSampleRate, 0.00005);
  assert.equal(loadConfig({}).storeSampleRate, 1);
  // Below the samplers' resolution a rate would store nothing, silently.
  assert.throws(
    () => loadConfig({ TME_STORE_SAMPLE_RATE: '1e-13' }),
    (error: Error) => error instanceof ConfigError && error.message.includes('TME_STORE_SAMPLE_RATE: must be 0 or at least 1e-12'),
  );
  assert.equal(loadConfig({ TME_STORE_SAMPLE_RATE: '1e-12' }).storeSampleRate, 1e-12);
});

test('a store sample rate below one in a million stores exactly rate x records', () => {
  const sampler = new StoreSampler(2.5e-7);
  let stored = 0;
  for (let i = 0; i < 8_000_000; i++) if (sampler.decide(false, false) === 'store') stored++;
  assert.equal(stored, 2);
});
