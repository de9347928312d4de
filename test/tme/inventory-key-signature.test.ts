// The field-name check (key-signature.ts) on its own, without a TME: the names it finds compared with
// the check as it was (a whole-record scan, helpers/key-signature-reference.ts) on varied bodies, in
// every field order the record format allows; and hostile shapes, whose cost must stay linear (counted
// as reads of the record's bytes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameRecord } from './helpers/frame-record.ts';
import { type ExchangeView, viewOfRecord } from '../../host/tme-server/src/inventory/exchange-view.ts';
import { viewOfIndex } from '../../host/tme-server/src/inventory/indexed-view.ts';
import { keySignature, SIGNATURE_WORDS } from '../../host/tme-server/src/inventory/key-signature.ts';
import { LearnSampler } from '../../host/tme-server/src/inventory/learn-sampler.ts';
import { referenceSignature } from './helpers/key-signature-reference.ts';

type Json = Record<string, any>;
type Order = 'usual' | 'body first' | 'response first';

function body(data: string | undefined): Json | undefined {
  return data === undefined ? undefined : { data, encoding: 'utf8', size: Buffer.byteLength(data), truncated: false };
}

/** A record as JSON.stringify spells it, its fields in `order`. */
function record(requestData: string | undefined, responseData: string | undefined, order: Order = 'usual', query = 'page=1'): Buffer {
  const line = { method: 'POST', scheme: 'https', authority: 'shop.example.com', path: '/api/orders', query, protocol: 'HTTP/1.1' };
  const headers = [['content-type', 'application/json']];
  const requestBody = body(requestData);
  const request =
    order === 'body first'
      ? { ...(requestBody && { body: requestBody }), headers, ...line }
      : { ...line, headers, ...(requestBody && { body: requestBody }) };
  const response = { status: 200, headers, ...(responseData !== undefined && { body: body(responseData) }) };
  const head = {
    id: 'r1',
    service: 'istio',
    module_version: '0.1.0',
    start_time_unix_nano: '1700000000000000000',
    duration_nano: 1000,
    client: { address: '10.0.0.1', port: 40000 },
  };
  const full = order === 'response first' ? { response, ...head, request } : { ...head, request, response };
  return Buffer.from(JSON.stringify({ ...full, redacted: true }));
}

function indexed(bytes: Buffer): ExchangeView {
  const frame = frameRecord(bytes);
  assert.ok(frame.fits, 'the framing vouches for the record (the fast path)');
  return viewOfIndex(bytes, frame.index);
}

function signature(view: ExchangeView): Uint32Array {
  const bits = new Uint32Array(SIGNATURE_WORDS);
  keySignature(view, bits);
  return bits;
}

/** The check as it was, over the whole record from its first byte (every field order). */
function reference(bytes: Buffer): Uint32Array {
  const view = viewOfRecord(bytes)!;
  const bits = new Uint32Array(SIGNATURE_WORDS);
  referenceSignature(bytes, { ...view, keysFrom: 0 }, bits);
  return bits;
}

function same(bytes: Buffer, why: string): void {
  assert.deepEqual(signature(indexed(bytes)), reference(bytes), why);
}

/** Past 16 KiB of record the whole-record check stopped; the check now reads 16 KiB of each body: at least as much. */
function atLeast(bytes: Buffer, why: string): void {
  const found = signature(indexed(bytes));
  assert.ok(
    reference(bytes).every((word, i) => (word & ~found[i]!) === 0),
    why,
  );
}

/** xorshift32: the varied bodies repeat from run to run. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const KEYS = [
  'id',
  'name',
  'a"b',
  'back\\slash',
  'café',
  '日本',
  'ctl\u0001',
  'colon:key',
  '{brace',
  '[x]',
  'sp ace',
  '',
  'k'.repeat(40),
  '\\"',
  'é\u2028',
];
const TEXTS = [
  'plain',
  'a "quoted": value, {with} [brackets]',
  '{"k":1}',
  'tab\tnew\nline',
  'back\\\\slash\\',
  'ünï©ødé',
  '\u0000\u001f',
  '😀',
  '"',
];

const QUERIES = ['page=1', 'a=1&b=2&c', '', 'x=%22y%22&&z=&=1'];

function value(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 11 || r < 0.35) {
    const s = next();
    if (s < 0.5) return TEXTS[Math.floor(next() * TEXTS.length)];
    if (s < 0.7) return Math.floor(next() * 1e6) / 100;
    return s < 0.85 ? next() < 0.5 : null;
  }
  if (r < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  const out: Json = {};
  for (let n = Math.floor(next() * 5); n > 0; n--)
    out[KEYS[Math.floor(next() * KEYS.length)]! + (next() < 0.3 ? n : '')] = value(next, depth + 1);
  return out;
}

test('the names of bodies written before the query, or a response before its request, are found', () => {
  const request = JSON.stringify({ item: 'a', address: { city: 'Paris' } });
  const response = JSON.stringify({ id: 1, status: 'ok' });
  const usual = signature(indexed(record(request, response)));
  for (const order of ['body first', 'response first'] as const) {
    const bytes = record(request, response, order);
    same(bytes, order);
    assert.deepEqual(signature(indexed(bytes)), usual, `${order}: the same names as in the usual order`);
  }
});

test('varied bodies show the names the whole-record check found, on the fast path and the parsed one', () => {
  const next = random(0x2545f491);
  for (let n = 0; n < 400; n++) {
    const pretty = next() < 0.2 ? 2 : undefined;
    const request = next() < 0.9 ? JSON.stringify(value(next, 0), null, pretty) : undefined;
    const response = next() < 0.9 ? JSON.stringify(value(next, 0)) : undefined;
    const order = (['usual', 'body first', 'response first'] as const)[n % 3]!;
    const bytes = record(request, response, order, QUERIES[n % QUERIES.length]);
    (bytes.length < 16 * 1024 ? same : atLeast)(bytes, `${order}: ${request} / ${response}`);
    assert.deepEqual(signature(viewOfRecord(bytes)!), signature(indexed(bytes)), `the parsed view: ${request}`);
  }
});

test('a query spelt with escapes or letters beyond ASCII reads the same on both paths, and its new names show', () => {
  const data = JSON.stringify({ a: 1 });
  const bits = (query: string) => {
    const bytes = record(data, data, 'usual', query);
    const fast = signature(indexed(bytes));
    assert.deepEqual(signature(viewOfRecord(bytes)!), fast, query);
    return fast;
  };
  const base = bits('q="x"&é=1&back\\slash=2');
  assert.deepEqual(bits('q="other"&é=2&back\\slash='), base, 'other values, same names');
  assert.notDeepEqual(bits('q="x"&é=1&back\\slash=2&ü=3'), base, 'a new name');
});

test('nesting past the followed depth, and bodies cut anywhere (truncated), match the whole-record check', () => {
  let deep: unknown = { leaf: 1, list: [[{ inner: true }]] };
  for (let d = 0; d < 14; d++) deep = { [`level${d}`]: deep, [`side${d}`]: [d] };
  same(record(JSON.stringify(deep), undefined), 'deep');
  const text = JSON.stringify({ 'a"b': 'x\\"y', nested: { 'k\\': ['\u0001', { z: 'é' }] }, last: '😀' });
  for (let cut = 0; cut <= text.length; cut++) {
    const head = text.slice(0, cut);
    const bytes = record(head, text);
    // A body cut after an escape's backslash: the whole-record check took the record's closing quote for
    // the escaped character and read on into the record; without that backslash it reads the body as the
    // check does now (a dangling escape completes no name).
    const dangling = /(?<!\\)(\\\\)*\\$/.test(head);
    assert.deepEqual(signature(indexed(bytes)), reference(dangling ? record(head.slice(0, -1), text) : bytes), `cut at ${cut}: ${head}`);
  }
});

test('a producer spelling the bodies with other escapes (\\u0022, \\/, \\u00e9) is read as the whole-record check read it', () => {
  const data = JSON.stringify({ 'a/b': { city: 'Paris' }, é: 1, q: 'say "hi"' });
  // The record's JSON string of the body, every quote, solidus and non-ASCII letter spelt another way.
  const spellings = [
    (s: string) => s.replaceAll('/', '\\/'),
    (s: string) => s.replaceAll('é', '\\u00e9'),
    (s: string) => s.replaceAll('\\"', '\\u0022'),
    (s: string) => s.replace(/[a-z]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`),
  ];
  for (const spell of spellings) {
    const plain = record(data, data).toString();
    const escaped = JSON.stringify(data).slice(1, -1);
    const bytes = Buffer.from(plain.replaceAll(escaped, spell(escaped)));
    assert.notEqual(bytes.toString(), plain);
    same(bytes, bytes.toString());
  }
});

test("a request body cut after an escape's backslash still shows its response's names", () => {
  // The whole-record check took the record's closing quote for the escaped character and read the rest
  // of the record as body text: the response's names were the sample's.
  const response = JSON.stringify({ id: 1, secret: 'x' });
  const alone = signature(indexed(record('', response)));
  const found = signature(indexed(record('{"a":"x\\', response)));
  assert.ok(alone.every((word, i) => (word & ~found[i]!) === 0));
});

/** How many of the record's bytes the check reads: its cost, whatever the machine's load. */
function reads(bytes: Buffer, check = (view: ExchangeView) => keySignature(view, new Uint32Array(SIGNATURE_WORDS))): number {
  let count = 0;
  const counted = new Proxy(bytes, {
    get(target, key) {
      if (typeof key === 'string' && key.charCodeAt(0) >= 0x30 && key.charCodeAt(0) <= 0x39) count++;
      return Reflect.get(target, key);
    },
  });
  const view = indexed(bytes);
  check(Object.create(view, { signatureBytes: { value: counted } }) as ExchangeView);
  return count;
}

test('hostile bodies cost reads linear in the record', () => {
  const shapes: Record<string, string> = {
    '100k quotes': '"'.repeat(100_000),
    '100k backslashes': '\\'.repeat(100_000),
    '20,000-deep arrays': '['.repeat(20_000) + ']'.repeat(20_000),
    '20,000-deep objects': '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000),
    'closes without opens': '}]'.repeat(20_000),
    'a long key and 4,000 colons': `{"${'k'.repeat(4000)}"${':'.repeat(4000)}1}`,
    'colons after every key': '{"a"::::,'.repeat(4000),
    'escapes everywhere': '\u0001\\"\n'.repeat(10_000),
    '20,000 keys': `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
  };
  for (const [name, data] of Object.entries(shapes)) {
    const bytes = record(data, data);
    const n = reads(bytes);
    assert.ok(n <= 3 * bytes.length, `${name}: ${n} reads of a ${bytes.length}-byte record`);
  }
});

test("once a stream of new names has filled an endpoint's filter, its records are not read for names", () => {
  const sampler = new LearnSampler();
  const endpoint = {};
  let n = 0;
  for (; n < 5000; n++) {
    const bytes = record(JSON.stringify({ [`name${n}`]: 1, [`other${n}`]: 2 }), undefined);
    sampler.choose(endpoint, n + 1, indexed(bytes), () => true);
  }
  // Every name is new and every record taken: the filter is full, and no record can show a new name.
  const bytes = record(JSON.stringify({ [`name${n}`]: 1 }), undefined);
  assert.equal(
    reads(bytes, (view) => sampler.choose(endpoint, n + 1, view, () => true)),
    0,
  );
});
