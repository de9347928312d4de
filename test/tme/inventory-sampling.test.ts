// Which exchanges the inventory learns from once an endpoint is settled: every one showing a field name
// it has not learned (read from the record's bytes), and an adaptive sample of the rest. Records posted
// over HTTP to a real TME, marked redacted as the filter sends them (counted from the framing's index).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { frameRecord } from './helpers/frame-record.ts';
import { viewOfRecord } from '../../host/tme-server/src/inventory/exchange-view.ts';
import { viewOfIndex } from '../../host/tme-server/src/inventory/indexed-view.ts';
import { keySignature, SIGNATURE_WORDS } from '../../host/tme-server/src/inventory/key-signature.ts';
import { MAX_INTERVAL, WARM_UP } from '../../host/tme-server/src/inventory/learn-sampler.ts';
import { startTestTme, type TestTme } from './helpers/tme.ts';

type Json = Record<string, any>;

function record(i: number, body: Json, response: Json = { id: i, status: 'ok' }, query = 'page=1'): Json {
  const data = JSON.stringify(body);
  const responseData = JSON.stringify(response);
  return {
    id: `r${i}`,
    service: 'istio',
    module_version: '0.1.0',
    start_time_unix_nano: '1700000000000000000',
    duration_nano: 1_000_000,
    client: { address: `10.0.${i >> 8}.${i & 255}`, port: 40000 },
    request: {
      method: 'POST',
      scheme: 'https',
      authority: 'shop.example.com',
      path: `/api/users/${1000 + i}/orders`,
      query,
      protocol: 'HTTP/1.1',
      headers: [['content-type', 'application/json']],
      body: { data, encoding: 'utf8', size: data.length, truncated: false },
    },
    response: {
      status: 200,
      headers: [['content-type', 'application/json']],
      body: { data: responseData, encoding: 'utf8', size: responseData.length, truncated: false },
    },
    redacted: true,
  };
}

const order = (i: number): Json => ({ item: `sku-${i % 50}`, qty: i % 7, address: { city: 'Paris', zip: '75001' } });

/** The record's key signature, read from its framing's index as the fast path does; checked against a whole-record scan. */
function bitsOf(r: Json): Uint32Array {
  const bytes = Buffer.from(JSON.stringify(r));
  const frame = frameRecord(bytes);
  assert.ok(frame.fits);
  const [indexed, whole] = [viewOfIndex(bytes, frame.index), viewOfRecord(bytes)!].map((view) => {
    const bits = new Uint32Array(SIGNATURE_WORDS);
    keySignature(view, bits);
    return bits;
  });
  assert.ok(indexed![0] !== 0 && viewOfIndex(bytes, frame.index).requestBodyEnd > 0);
  assert.deepEqual(indexed, whole, 'the bodies noted by the framing show what the parsed bodies do');
  return indexed!;
}

test('the key signature changes with the names a record shows, not with its values', () => {
  const base = bitsOf(record(1, order(1)));
  assert.deepEqual(bitsOf(record(2, order(2))), base, 'other values, same names');
  assert.deepEqual(bitsOf(record(3, { ...order(3), item: 'a "quoted": value, {with} [brackets]' })), base, 'JSON-like text in a value');
  const differs = (r: Json, why: string) => assert.notDeepEqual(bitsOf(r), base, why);
  differs(record(4, { ...order(4), coupon: 'X' }), 'a new body field');
  differs(record(5, { ...order(5), address: { city: 'Paris', zip: '75001', street: 'x' } }), 'a new nested field');
  differs(record(6, { item: 'a', qty: 1, city: 'Paris', zip: '75001' }), 'the same names at another level');
  differs(record(7, order(7), { id: 7, status: 'ok', nickname: 'n' }), 'a new response field');
  differs(record(8, order(8), { id: 8, status: 'ok', item: 'x' }), 'a request field name in the response');
  differs(record(9, order(9), undefined, 'page=1&debug=1'), 'a new query parameter');
});

let tme: TestTme;
before(async () => {
  tme = await startTestTme();
});
after(() => tme.stop());

async function post(records: Json[]): Promise<void> {
  for (let at = 0; at < records.length; at += 100) {
    const res = await tme.post('/v1/records', { records: records.slice(at, at + 100) });
    assert.equal(res.status, 200, await res.text());
  }
}

async function endpoint(): Promise<Json> {
  const { endpoints, stats } = (await (await tme.get('/v1/apis')).json()) as { endpoints: Json[]; stats: Json };
  const found = endpoints.find((e) => e.template === '/api/users/{userId}/orders');
  assert.ok(found, JSON.stringify(endpoints));
  return { ...((await (await tme.get(`/v1/apis/${found.id}`)).json()) as Json), stats };
}

test('a settled endpoint learns a thin sample, yet a field in 1 of 500 records and a newly sensitive value are learned', async () => {
  const total = 5000;
  // After the warm-up, one record in 500 carries a field no other has; none of them is a twentieth.
  const rare = (i: number) => i > WARM_UP && i % 500 === 301;
  await post(Array.from({ length: total }, (_, i) => record(i, rare(i) ? { ...order(i), giftNote: 'hi' } : order(i))));
  const settled = await endpoint();
  assert.equal(settled.count, total);
  assert.ok(settled.requestBody.properties.giftNote, `the rare field is learned: ${JSON.stringify(settled.requestBody.properties)}`);
  assert.ok(
    settled.stats.learned < WARM_UP + 120,
    `${settled.stats.learned} of ${total} learned: the warm-up, the rare records and a thinning sample`,
  );
  // A known field starts carrying card numbers: no new name, so the sample has to find it.
  await post(Array.from({ length: 4 * MAX_INTERVAL }, (_, i) => record(total + i, { ...order(i), item: '4111 1111 1111 1111' })));
  const after = await endpoint();
  assert.deepEqual(after.requestBody.properties.item['x-gatewarden-sensitive'], ['card']);
});
