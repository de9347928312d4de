// The inventory's pure parts: path templating, sensitive classifiers, schema folding and merging,
// sketches, and the bounds that keep hostile traffic from growing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostTemplater, looksLikeId, parseTemplateList } from '../../host/tme-server/src/inventory/path-template.ts';
import { classify, ibanValid, luhn, ssnValid, type SensitiveClass } from '../../host/tme-server/src/inventory/sensitive.ts';
import { emptySummary, fold, mergeSummary, toJsonSchema, MAX_DEPTH, MAX_PROPERTIES } from '../../host/tme-server/src/inventory/schema.ts';
import {
  emptyHll,
  hllAdd,
  hllCount,
  hllMerge,
  emptyLatency,
  latencyBucket,
  latencyQuantile,
} from '../../host/tme-server/src/inventory/sketches.ts';
import { Inventory } from '../../host/tme-server/src/inventory/inventory.ts';
import { SpanCache } from '../../host/tme-server/src/inventory/span-cache.ts';

function templater(pinned = '', threshold = 5): HostTemplater {
  return new HostTemplater({ pinned: parseTemplateList(pinned), distinctThreshold: threshold, maxNodes: 1000 });
}

test('identifier-shaped segments become named parameters, words stay literal', () => {
  const t = templater();
  assert.equal(t.template('/api/users/42/orders/7'), '/api/users/{userId}/orders/{orderId}');
  assert.equal(t.template('/api/users/550e8400-e29b-41d4-a716-446655440000'), '/api/users/{userId}');
  assert.equal(t.template('/api/categories/2024-05-01'), '/api/categories/{categoryId}');
  assert.equal(t.template('/api/users/me'), '/api/users/me');
  for (const id of ['9f86d081884c7d65', 'ada@example.org', 'dGhpcyBpcyBhIHRva2VuMTIz']) assert.ok(looksLikeId(id), id);
  for (const word of ['orders', 'v2', 'health-check']) assert.ok(!looksLikeId(word), word);
});

test('a position with too many distinct literals becomes a parameter, and pinned templates win', () => {
  const t = templater('/files/{name}');
  for (const s of ['a', 'b', 'c', 'd', 'e']) assert.equal(t.template(`/tags/${s}`), `/tags/${s}`);
  assert.equal(t.template('/tags/f'), '/tags/{tagId}');
  assert.equal(t.template('/tags/a'), '/tags/{tagId}', 'earlier literals follow once collapsed');
  assert.equal(t.template('/files/report'), '/files/{name}');
});

test('an inventory merges the literal endpoints of a collapsed position into one', async () => {
  const inv = new Inventory({ pinned: [], maxEndpointsPerHost: 100, maxHosts: 10, distinctThreshold: 3, unusedAfterMs: 1000 });
  for (const s of ['red', 'green', 'blue', 'pink', 'cyan']) inv.observe(capture('GET', `/colors/${s}`));
  await inv.settle();
  assert.deepEqual(
    inv.endpoints().map((e) => [e.template, e.count]),
    [['/colors/{colorId}', 5]],
  );
});

test('a scanner cannot grow a host past its endpoint bound: the rest is counted as overflow', async () => {
  const inv = new Inventory({ pinned: [], maxEndpointsPerHost: 10, maxHosts: 2, distinctThreshold: 1000, unusedAfterMs: 1000 });
  for (let i = 0; i < 500; i++) inv.observe(capture('GET', `/scan${i}/x${i}`));
  for (let i = 0; i < 20; i++) inv.observe(capture('GET', '/', `host${i}.example`));
  await inv.settle();
  const endpoints = inv.endpoints();
  assert.ok(endpoints.filter((e) => e.host === 'shop.example').length <= 11, `${endpoints.length} endpoints`);
  assert.deepEqual(
    endpoints.filter((e) => e.host !== 'shop.example').map((e) => [e.host, e.template]),
    [
      ['host0.example', '/'],
      ['*', '/*'],
    ],
    'hosts past the bound share one overflow endpoint',
  );
  assert.equal(
    endpoints.reduce((n, e) => n + e.count, 0),
    520,
    'every exchange is counted',
  );
  assert.ok(inv.stats.overflowed > 0);
});

test('sensitive classes are validated, not guessed', () => {
  assert.deepEqual(classify('email', 'ada@example.org'), ['email']);
  assert.deepEqual(classify('card', '4111 1111 1111 1111'), ['card']);
  assert.deepEqual(classify('card', '4111 1111 1111 1112'), [], 'Luhn fails');
  assert.ok(luhn('79927398713') && !luhn('79927398710'));
  assert.deepEqual(classify('iban', 'GB82WEST12345698765432'), ['iban']);
  assert.ok(!ibanValid('GB82WEST12345698765433'));
  assert.deepEqual(classify('ssn', '123-45-6789'), ['ssn']);
  assert.ok(!ssnValid('666-45-6789') && !ssnValid('123-00-6789') && !ssnValid('900-12-3456'));
  assert.deepEqual(classify('t', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln'), ['jwt']);
  assert.deepEqual(classify('key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'), ['secret']);
  assert.deepEqual(classify('password', '[REDACTED]'), ['secret']);
  assert.deepEqual(classify('mobile', '+44 20 7946 0958'), ['phone']);
  assert.deepEqual(classify('from', '2001:db8::1'), ['ip']);
  assert.deepEqual(classify('birthDate', '1990-05-01'), ['dob']);
  assert.deepEqual(classify('created', '1990-05-01'), [], 'a date is a birth date only by its name');
  assert.deepEqual(classify('name', 'Ada Lovelace'), []);
});

test('classifiers stay linear on long hostile values', () => {
  const long = '1'.repeat(4000) + 'x';
  const start = performance.now();
  for (let i = 0; i < 200; i++) classify('phone', long), classify('email', 'a'.repeat(3000) + '@' + 'b.'.repeat(500));
  // Linear: a few ms; a quadratic classifier would need seconds. The bound leaves room for a loaded machine.
  assert.ok(performance.now() - start < 2000, `${performance.now() - start} ms`);
});

test('schemas fold formats, required-ness, small enums and array items', () => {
  const s = emptySummary();
  const found = new Set<string>();
  for (let i = 0; i < 20; i++) {
    fold(
      s,
      '',
      {
        id: i,
        at: '2024-01-01T00:00:00Z',
        state: i % 2 ? 'open' : 'closed',
        city: 'Paris',
        items: [{ sku: 'a1' }],
        ...(i % 4 ? { note: 'x' } : {}),
      },
      found as Set<any>,
    );
  }
  const schema = toJsonSchema(s) as any;
  assert.equal(schema.properties.at.format, 'date-time');
  assert.deepEqual(schema.properties.state.enum, ['closed', 'open']);
  assert.equal(schema.properties.city.enum, undefined, 'names and places are never enum values');
  assert.equal(schema.properties.items.items.properties.sku.type, 'string');
  assert.deepEqual(schema.required, ['at', 'city', 'id', 'items', 'state']);
});

test('schema folding is bounded in depth and width', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 10_000; i++) deep = { a: deep };
  const wide: Record<string, number> = {};
  for (let i = 0; i < 5000; i++) wide[`k${i}`] = i;
  const s = emptySummary();
  fold(s, '', { deep, wide }, new Set());
  let depth = 0;
  for (let at = s.properties.deep; at; at = at.properties.a) depth++;
  assert.ok(depth <= MAX_DEPTH);
  assert.equal(Object.keys(s.properties.wide!.properties).length, MAX_PROPERTIES);
});

test('summaries and sketches merge associatively', () => {
  const parts = [{ a: 1 }, { a: 'x', b: true }, { c: [1, 2] }].map((v) => {
    const s = emptySummary();
    fold(s, '', v, new Set());
    return s;
  });
  const left = emptySummary();
  mergeSummary(left, parts[0]!);
  mergeSummary(left, parts[1]!);
  mergeSummary(left, parts[2]!);
  const bc = emptySummary();
  mergeSummary(bc, parts[1]!);
  mergeSummary(bc, parts[2]!);
  const right = emptySummary();
  mergeSummary(right, parts[0]!);
  mergeSummary(right, bc);
  assert.deepEqual(toJsonSchema(left), toJsonSchema(right));

  const a = emptyHll();
  const b = emptyHll();
  for (let i = 0; i < 3000; i++) hllAdd(i % 2 ? a : b, `10.0.${i >> 8}.${i & 255}`);
  hllMerge(a, b);
  assert.ok(Math.abs(hllCount(a) - 3000) < 300, String(hllCount(a)));

  const h = emptyLatency();
  for (let i = 1; i <= 100; i++) h[latencyBucket(i * 1000)]!++;
  const p50 = latencyQuantile(h, 0.5)!;
  assert.ok(p50 >= 50 && p50 <= 60, String(p50));
});

/** A record's JSON bytes, as the inventory reads them from a stored capture. */
function capture(method: string, path: string, host = 'shop.example', status = 200): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: 'x',
      duration_nano: 1_000_000,
      client: { address: '10.0.0.1', port: 1 },
      request: { method, authority: host, path, query: '', headers: [] },
      response: { status, headers: [] },
    }),
  );
}

test("a scanner's refused paths do not collapse a host's literals", async () => {
  const inv = new Inventory({ pinned: [], maxEndpointsPerHost: 500, maxHosts: 10, distinctThreshold: 20, unusedAfterMs: 1000 });
  for (const p of ['/api/users', '/api/orders', '/admin/settings', '/healthz', '/login']) inv.observe(capture('GET', p));
  // 26 distinct first segments the upstream does not serve: more than the threshold of 20.
  for (const w of 'abcdefghijklmnopqrstuvwxyz') inv.observe(capture('GET', `/scan${w}`, 'shop.example', w < 'n' ? 404 : 405));
  for (const p of ['/api/users', '/admin/settings', '/billing/invoices']) inv.observe(capture('GET', p));
  await inv.settle();
  const templates = new Set(inv.endpoints().map((e) => e.template));
  for (const t of ['/api/users', '/api/orders', '/admin/settings', '/healthz', '/login', '/billing/invoices']) {
    assert.ok(templates.has(t), `${t} kept in ${[...templates].join(', ')}`);
  }
  assert.equal(
    inv.endpoints().reduce((n, e) => n + e.count, 0),
    34,
    'the refused exchanges are still counted',
  );
});

test('a flood of junk keys cannot hide a sensitive field: properties past the bound are still classified', () => {
  const s = emptySummary();
  const found = new Set<SensitiveClass>();
  const junk: Record<string, number> = {};
  for (let i = 0; i < MAX_PROPERTIES; i++) junk[`zz${i}`] = 1;
  fold(s, '', junk, found);
  fold(s, '', { item: 'a', ssn: '123-45-6789', contact: { email: 'ada@example.org' } }, found);
  assert.equal(Object.keys(s.properties).length, MAX_PROPERTIES);
  assert.deepEqual([...found].sort(), ['email', 'ssn']);
  assert.deepEqual(Object.keys(s.sensitive).sort(), ['email', 'ssn'], 'noted on the object that dropped them');
});

test('a record is read field by field: wrong types read as absent, never throw, and bound the work', async () => {
  const inv = new Inventory({ pinned: [], maxEndpointsPerHost: 100, maxHosts: 10, distinctThreshold: 20, unusedAfterMs: 1000 });
  const hostile = [
    'not json',
    '[1,2]',
    JSON.stringify({ request: 'GET /' }),
    JSON.stringify({
      request: { method: ['GET'], authority: 7, path: null, headers: 'content-type: x' },
      response: { status: '200', headers: [[1, 2], 'x'] },
      duration_nano: -5,
      client: [],
    }),
    JSON.stringify({
      request: {
        method: 'GET',
        authority: 'shop.example:8443',
        path: '/big',
        headers: Array.from({ length: 100_000 }, () => ['x-a', 'b']),
        body: { data: 5 },
      },
      response: { status: 99999 },
    }),
  ];
  for (const text of hostile) inv.observe(Buffer.from(text));
  await inv.settle();
  assert.equal(inv.stats.observed, 5);
  assert.deepEqual(
    inv
      .endpoints()
      .map((e) => [e.host, e.method, e.template, e.count, Object.keys(e.statuses)])
      .sort(),
    [
      ['', 'OTHER', '/', 1, ['0']],
      ['shop.example', 'GET', '/big', 1, ['0']],
    ],
  );
});

test('a path whose walk changes nothing is templated as a walk that may change the trie would', () => {
  // A pinned template (that never matches) makes every walk the one that may change the trie.
  const walked = [templater(), templater('/never/{matched}')];
  for (const t of walked) t.seed('/api/v1/2024/report');
  const paths = [
    '/',
    '/api/users/42/',
    '/api/users/-7/orders/x',
    '/api/v1/2024/report',
    '/api/users/ada@example.org',
    '/a//b',
    `/long/${'9'.repeat(300)}`,
  ];
  for (let i = 0; i < 8; i++) paths.push(`/tags/t${'x'.repeat(i)}`, `/api/users/${i}/orders/${i}`, '/tags/t');
  const [fast, slow] = walked.map((t) => [...paths, ...paths].map((p) => t.template(p)));
  assert.deepEqual(fast, slow);
  assert.equal(fast![3], '/api/v1/{v1Id}/report', 'an integer segment is a parameter even where a literal was seeded');
  assert.equal(fast!.at(-1), '/tags/{tagId}', 'a collapsed position takes every value');
});

test('a span cache answers what deriving from the decoded text answers, whatever the variety', () => {
  const cache = new SpanCache((text) => text.toUpperCase(), 16);
  const words = Array.from({ length: 200 }, (_, i) => `host-${i % 37}-${'é'.repeat(i % 3)}.example:${i}`);
  const record = Buffer.from(`"${words.join('","')}"`);
  for (let round = 0; round < 3; round++) {
    let at = 1;
    for (const word of words) {
      const end = at + Buffer.byteLength(word);
      assert.equal(cache.get(record, at, end), word.toUpperCase());
      at = end + 3;
    }
  }
  assert.equal(cache.get(record, 1, 1), '', 'an empty span');
});
