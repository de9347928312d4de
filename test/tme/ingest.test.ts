import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };
import { startTestTme, type TestTme } from './helpers/tme.ts';

type Json = Record<string, any>;

function record(overrides: (r: Json) => void = () => {}): Json {
  const copy = structuredClone(batch.records[0]) as Json;
  overrides(copy);
  return copy;
}

describe('POST /v1/records', () => {
  let tme: TestTme;
  before(async () => {
    tme = await startTestTme({ TME_MAX_BATCH_BYTES: String(64 * 1024 * 1024) });
  });
  after(() => tme.stop());

  test('a batch round-trips to /v1/captures with the exact attributes, newest first', async () => {
    const res = await tme.post('/v1/records', batch);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { accepted: 2, rejected: [] });

    const { captures } = (await (await tme.get('/v1/captures?limit=2')).json()) as { captures: Json[] };
    assert.equal(captures.length, 2);
    const [payments, orders] = captures as [Json, Json];
    assert.equal(orders.source, 'gatewarden');
    assert.match(orders.id, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(orders.received_at)));
    assert.equal(orders.start_time_unix_nano, '1700000000123456789');
    assert.equal(orders.duration_nano, 2500000);
    assert.deepEqual(orders.attributes, {
      'http.request.method': 'POST',
      'url.scheme': 'https',
      'server.address': 'shop.example.com',
      'server.port': 8443,
      'url.path': '/api/orders',
      'url.query': 'page=2&tag=a&tag=b',
      'network.protocol.name': 'http',
      'network.protocol.version': '1.1',
      'client.address': '10.1.2.3',
      'client.port': 51234,
      'user_agent.original': 'curl/8.5.0',
      'http.request.header.host': ['shop.example.com:8443'],
      'http.request.header.user-agent': ['curl/8.5.0'],
      'http.request.header.content-type': ['application/json'],
      'http.request.header.accept': ['application/json', 'text/plain'],
      'http.request.body': '{"item":"book","qty":2}',
      'http.request.body.encoding': 'utf8',
      'http.request.body.size': 23,
      'http.request.body.truncated': false,
      'http.response.status_code': 201,
      'http.response.header.content-type': ['application/json'],
      'http.response.header.x-envoy-upstream-service-time': ['2'],
      'http.response.body': '{"order":17}',
      'http.response.body.encoding': 'utf8',
      'http.response.body.size': 4096,
      'http.response.body.truncated': true,
      'gatewarden.request.id': '5f0c2a9e-1b7d-4c1e-9a53-3f1c9d0e7b21',
      'gatewarden.module.version': '0.1.0',
      'gatewarden.service.name': 'istio',
    });
    assert.deepEqual(payments.attributes, {
      'http.request.method': 'POST',
      'url.scheme': 'http',
      'server.address': 'payments',
      'url.path': '/payments.v1.Payments/Charge',
      'network.protocol.name': 'http',
      'network.protocol.version': '2',
      'client.address': '10.1.2.4',
      'client.port': 40000,
      'http.request.header.content-type': ['application/grpc'],
      'http.request.header.te': ['trailers'],
      'http.request.body': 'AAAAAAUKA2FiYw==',
      'http.request.body.encoding': 'base64',
      'http.request.body.size': 10,
      'http.request.body.truncated': false,
      'http.response.status_code': 200,
      'http.response.header.content-type': ['application/grpc'],
      'http.response.trailer.grpc-status': ['5'],
      'http.response.trailer.grpc-message': ['not found'],
      'rpc.grpc.status_code': 5,
      'gatewarden.request.id': '',
      'gatewarden.module.version': '0.1.0',
      'gatewarden.service.name': 'payments',
      'gatewarden.verdict.action': 'allow',
      'gatewarden.verdict.rule': 12,
      'gatewarden.verdict.dry_run': true,
    });
  });

  test('one bad record is rejected by index and field; the others are kept', async () => {
    const records = [
      record((r) => (r.id = 'good-1')),
      record((r) => (r.request.method = 7)),
      record((r) => (r.id = 'good-2')),
      record((r) => (r.request.headers = [['x', 'y', 'z']])),
    ];
    const res = await tme.post('/v1/records', { records });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Json;
    assert.equal(body.accepted, 2);
    assert.deepEqual(
      body.rejected.map((r: Json) => r.index),
      [1, 3],
    );
    assert.equal(body.rejected[0].error, 'records[1].request.method: expected string, received number');
    assert.match(body.rejected[1].error, /^records\[3\]\.request\.headers\[0\]: /);

    const { captures } = (await (await tme.get('/v1/captures?limit=2')).json()) as { captures: Json[] };
    assert.deepEqual(
      captures.map((c) => c.attributes['gatewarden.request.id']),
      ['good-2', 'good-1'],
    );
  });

  test('missing fields and wrong formats are named', async () => {
    const res = await tme.post('/v1/records', {
      records: [
        record((r) => delete r.service),
        record((r) => (r.start_time_unix_nano = 1700000000)),
        record((r) => (r.client.port = 70000)),
        record((r) => (r.request.body.encoding = 'gzip')),
        record((r) => (r.request.body = { data: 'not base64!', encoding: 'base64', size: 3, truncated: false })),
        record((r) => (r.response.grpc_status = 'OK')),
      ],
    });
    assert.equal(res.status, 400, 'nothing usable in the batch');
    const errors = ((await res.json()) as Json).rejected.map((r: Json) => r.error);
    assert.deepEqual(
      errors.map((e: string) => e.slice(0, e.indexOf(':'))),
      [
        'records[0].service',
        'records[1].start_time_unix_nano',
        'records[2].client.port',
        'records[3].request.body.encoding',
        'records[4].request.body.data',
        'records[5].response.grpc_status',
      ],
    );
  });

  test('size limits: header pairs, decoded body data, records per batch', async () => {
    const tooManyHeaders = record((r) => (r.request.headers = Array.from({ length: 513 }, (_, i) => [`h${i}`, 'v'])));
    const bigBody = record((r) => {
      const data = Buffer.alloc(4 * 1024 * 1024 + 3, 1).toString('base64');
      r.response.body = { data, encoding: 'base64', size: 5_000_000, truncated: true };
    });
    const res = await tme.post('/v1/records', { records: [tooManyHeaders, bigBody, record()] });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Json;
    assert.equal(body.accepted, 1);
    assert.match(body.rejected[0].error, /^records\[0\]\.request\.headers: at most 512 header pairs/);
    assert.match(body.rejected[1].error, /^records\[1\]\.response\.body\.data: larger than 4194304 bytes/);

    const tooMany = await tme.post('/v1/records', { records: Array.from({ length: 1001 }, () => record()) });
    assert.equal(tooMany.status, 400);
    assert.match(((await tooMany.json()) as Json).error, /^records: at most 1000 records per batch/);
  });

  test('a body that is not JSON gets 400 with the parser message', async () => {
    const res = await tme.post('/v1/records', '{"records": [');
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as Json).error, /^body: not valid JSON \(.+\)$/);
  });

  test('JSON without a records array gets 400 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /^records: expected an array$/],
      [{ records: {} }, /^records: expected an array$/],
      [[1, 2], /^records: expected an array$/],
    ];
    for (const [body, error] of cases) {
      const res = await tme.post('/v1/records', body);
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as Json).error, error);
    }
  });

  test('an empty batch is accepted as nothing', async () => {
    const res = await tme.post('/v1/records', { records: [] });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { accepted: 0, rejected: [] });
  });
});

describe('request body limit', () => {
  let tme: TestTme;
  before(async () => {
    tme = await startTestTme({ TME_MAX_BATCH_BYTES: '4096' });
  });
  after(() => tme.stop());

  test('a declared body over TME_MAX_BATCH_BYTES gets 413', async () => {
    const res = await tme.post('/v1/records', { records: [], padding: 'x'.repeat(8192) });
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as Json).error, /^body: larger than the 4096-byte limit/);
  });

  test('a chunked body that grows over the limit gets 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${tme.url}/v1/records`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(`{"records": [], "padding": "${'x'.repeat(3000)}`);
      req.write(`${'x'.repeat(3000)}"}`);
      req.end();
    });
    assert.equal(status, 413);
  });

  test('a body at the limit is read', async () => {
    const body = JSON.stringify({ records: [], padding: '' });
    const padded = body.replace('""', `"${'x'.repeat(4096 - body.length)}"`);
    assert.equal(padded.length, 4096);
    assert.equal((await tme.post('/v1/records', padded)).status, 200);
  });
});

describe('routes', () => {
  let tme: TestTme;
  before(async () => {
    tme = await startTestTme({ TME_CAPTURE_BUFFER: '3' });
  });
  after(() => tme.stop());

  test('GET /v1/captures honours limit and the ring size, and names a bad limit', async () => {
    const records = Array.from({ length: 5 }, (_, i) => record((r) => (r.id = `r${i}`)));
    assert.equal((await tme.post('/v1/records', { records })).status, 200);
    const ids = async (query: string): Promise<string[]> =>
      ((await (await tme.get(`/v1/captures${query}`)).json()) as { captures: Json[] }).captures.map(
        (c) => c.attributes['gatewarden.request.id'],
      );
    assert.deepEqual(await ids(''), ['r4', 'r3', 'r2']);
    assert.deepEqual(await ids('?limit=1'), ['r4']);
    for (const bad of ['0', '1001', 'abc', '-1', '2.5']) {
      const res = await tme.get(`/v1/captures?limit=${bad}`);
      assert.equal(res.status, 400, bad);
      assert.match(((await res.json()) as Json).error, /^limit: expected an integer from 1 to 1000/);
    }
  });

  test('a record marked redacted is spooled as its bytes; an unmarked one is redacted and re-encoded; a bad one rejects itself', async () => {
    const encoded = JSON.stringify(
      record((r) => {
        r.id = 'fast';
        r.request.headers = [['authorization', 'Bearer already-[REDACTED]-by-the-filter']];
        r.redacted = true;
      }),
    );
    const slow = JSON.stringify(
      record((r) => {
        r.id = 'slow';
        r.request.headers = [['authorization', 'Bearer s3cret']];
        r.redacted = true;
      }),
      null,
      1,
    ); // several lines: cannot be a spool line as it is
    const plain = JSON.stringify(
      record((r) => {
        r.id = 'plain';
        r.request.headers = [['authorization', 'Bearer s3cret']];
      }),
    );
    const body = `{"records":[${encoded},${slow},${plain},{"id":${'['.repeat(18)}1${']'.repeat(18)}}]}`;
    const res = await tme.post('/v1/records', body);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { accepted: 3, rejected: [{ index: 3, error: 'records[3]: nested deeper than 16 levels' }] });
    const lines = await tme.spoolLines();
    const text = (await Promise.all((await readdir(tme.spoolDir)).map((name) => readFile(join(tme.spoolDir, name), 'utf8')))).join('');
    assert.ok(text.includes(`{"record":${encoded},"id":"`), 'the marked record is on disk byte for byte');
    assert.ok(!text.includes('s3cret'));
    const byId = (id: string) => lines.find((l) => (l.record as Json).id === id)!.record as Json;
    assert.deepEqual(byId('slow').request.headers, [['authorization', '[REDACTED]']]);
    assert.deepEqual(byId('plain').request.headers, [['authorization', '[REDACTED]']]);
    const { captures } = (await (await tme.get('/v1/captures?limit=3')).json()) as { captures: Json[] };
    assert.deepEqual(captures.map((c) => c.attributes['gatewarden.request.id']).sort(), ['fast', 'plain', 'slow']);
  });

  test('a record marked redacted is checked like any other: a malformed one is refused by field and counted, its neighbours kept', async () => {
    const marked = (change: (r: Json) => void = () => {}) => JSON.stringify(record((r) => (change(r), (r.redacted = true))));
    const bad = [
      marked((r) => delete r.service),
      marked((r) => (r.start_time_unix_nano = 1700000000)),
      marked((r) => (r.duration_nano = -1)),
      marked((r) => (r.client.port = 70000)),
      marked((r) => (r.request.method = 7)),
      marked((r) => (r.request.headers = [['x', 'y', 'z']])),
      marked((r) => (r.request.body.encoding = 'gzip')),
      marked((r) => (r.request.body = { data: 'not base64!', encoding: 'base64', size: 3, truncated: false })),
      marked((r) => (r.response.grpc_status = 'OK')),
      marked((r) => delete r.response),
      // A repeated field: JSON.parse keeps the last one, a string.
      marked().replace('"redacted":true', '"request":"twice","redacted":true'),
      // Not JSON a parse accepts: a bad escape, a raw control character, a bad number.
      marked((r) => (r.id = 'a\u0001b')).replace('\\u0001', '\\q'),
      marked((r) => (r.id = 'a\u0001b')).replace('\\u0001', '\u0001'),
      marked().replace('"duration_nano":2500000', '"duration_nano":02500000'),
    ];
    const good = (id: string) => marked((r) => (r.id = id));
    const body = `{"records":[${good('neighbour-1')},${bad.join(',')},${good('neighbour-2')}]}`;
    const rejectedBefore = await tme.metric('tme_records_rejected_total', '{source="gatewarden"}');
    const res = await tme.post('/v1/records', body);
    assert.equal(res.status, 200);
    const answer = (await res.json()) as Json;
    assert.deepEqual(
      answer.rejected.map((r: Json) => r.index),
      bad.map((_, i) => i + 1),
    );
    assert.equal(answer.accepted, 2);
    const errors: string[] = answer.rejected.map((r: Json) => r.error);
    assert.deepEqual(
      errors.map((e) => e.slice(0, e.indexOf(':'))),
      [
        'records[1].service',
        'records[2].start_time_unix_nano',
        'records[3].duration_nano',
        'records[4].client.port',
        'records[5].request.method',
        'records[6].request.headers[0]',
        'records[7].request.body.encoding',
        'records[8].request.body.data',
        'records[9].response.grpc_status',
        'records[10].response',
        'records[11].request',
        'records[12]',
        'records[13]',
        'records[14]',
      ],
    );
    assert.ok(
      errors.slice(11).every((e) => e.includes('not valid JSON')),
      errors.slice(11).join('\n'),
    );
    assert.equal(await tme.metric('tme_records_rejected_total', '{source="gatewarden"}'), rejectedBefore + bad.length);
    const { captures } = (await (await tme.get('/v1/captures?limit=2')).json()) as { captures: Json[] };
    assert.deepEqual(
      captures.map((c) => c.attributes['gatewarden.request.id']),
      ['neighbour-2', 'neighbour-1'],
    );
  });

  test('GET /healthz answers ok', async () => {
    const res = await tme.get('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  test('an unknown route is a JSON 404; a wrong method is a JSON 405 with Allow', async () => {
    const missing = await tme.get('/v1/nothing');
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: 'no route for /v1/nothing' });

    const wrong = await tme.get('/v1/records');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    assert.match(((await wrong.json()) as Json).error, /^GET not allowed on \/v1\/records/);
  });
});
