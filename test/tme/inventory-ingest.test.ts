// The inventory learns the same from a record stored without a parse (marked redacted: counted from the
// framing's compact index, learned from a lazy parse) as from the same record parsed on the slow path.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestTme, type TestTme } from './helpers/tme.ts';

type Json = Record<string, any>;

function record(i: number): Json {
  const hosts = ['shop.example.com:8443', 'API.example.org', '[2001:db8::1]:443'];
  const body = JSON.stringify({ name: `user${i}`, email: `user${i}@example.org`, age: 20 + (i % 50), tags: ['a', 'b'] });
  return {
    id: `r${i}`,
    service: 'istio',
    module_version: '0.1.0',
    start_time_unix_nano: '1700000000123456789',
    duration_nano: 1_000_000 + i * 1000,
    client: { address: `10.0.0.${i % 7}`, port: 40000 },
    request: {
      method: i % 3 === 0 ? 'post' : 'GET',
      scheme: 'https',
      authority: hosts[i % hosts.length],
      path: i % 5 === 0 ? '/caf\u00e9/menu' : `/api/users/${1000 + i}`,
      query: `page=${i % 4}&sort=asc`,
      protocol: 'HTTP/1.1',
      headers: [
        ['Content-Type', i % 2 === 0 ? 'application/json; charset=utf-8' : 'multipart/form-data; boundary="b\\1"'],
        ['content-type', 'text/plain'],
        ['user-agent', 'test'],
      ],
      body: { data: body, encoding: 'utf8', size: body.length, truncated: false },
    },
    response: {
      status: i % 4 === 0 ? 404 : 200,
      headers: [['content-type', 'application/json']],
      body: { data: '{"ok":true,"id":12}', encoding: 'utf8', size: 19, truncated: false },
    },
    ...(i % 6 === 0 ? { verdict: { action: 'monitor', category: 'sqli', rule: 3 } } : {}),
  };
}

// The path of every fifth record spelt with a JSON escape, as another producer may write it.
function batchText(marked: boolean): string {
  const records = Array.from({ length: 60 }, (_, i) =>
    JSON.stringify({ ...record(i), ...(marked ? { redacted: true } : {}) }).replace('caf\u00e9', 'caf\\u00e9'),
  );
  return `{"records":[${records.join(',')}]}`;
}

async function inventoryOf(tme: TestTme): Promise<Json[]> {
  const { endpoints } = (await (await tme.get('/v1/apis')).json()) as { endpoints: Json[] };
  const details = await Promise.all(endpoints.map(async (e) => (await tme.get(`/v1/apis/${e.id}`)).json() as Promise<Json>));
  return details.map(({ firstSeen, lastSeen, ...rest }) => rest).sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

let fast: TestTme;
let slow: TestTme;
before(async () => {
  [fast, slow] = await Promise.all([startTestTme(), startTestTme()]);
});
after(() => Promise.all([fast.stop(), slow.stop()]));

test('the inventory is the same whether records are stored as their bytes or parsed', async () => {
  const [fastRes, slowRes] = await Promise.all([fast.post('/v1/records', batchText(true)), slow.post('/v1/records', batchText(false))]);
  assert.deepEqual(await fastRes.json(), { accepted: 60, rejected: [] });
  assert.deepEqual(await slowRes.json(), { accepted: 60, rejected: [] });
  const spooled = (await Promise.all((await readdir(fast.spoolDir)).map((name) => readFile(join(fast.spoolDir, name), 'utf8')))).join('');
  const first = batchText(true).slice('{"records":['.length).split(',"redacted":true}')[0];
  assert.ok(spooled.includes(`"record":${first},"redacted":true},"id":"`), 'the marked records took the fast path');
  const [learnedFast, learnedSlow] = await Promise.all([inventoryOf(fast), inventoryOf(slow)]);
  assert.ok(learnedFast.length >= 6, `${learnedFast.length} endpoints`);
  assert.ok(
    learnedFast.some((e) => e.template === '/café/menu' && e.host === 'api.example.org'),
    JSON.stringify(learnedFast.map((e) => [e.host, e.method, e.template])),
  );
  assert.ok(
    learnedFast.some((e) => e.requestContentTypes['multipart/form-data'] > 0),
    JSON.stringify(learnedFast[0]),
  );
  assert.deepEqual(learnedFast, learnedSlow);
});
