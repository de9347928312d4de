import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DetectionEngine } from '../../filter/node/engine.ts';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };
import { startTestTme, type TestTme } from './helpers/tme.ts';

type Json = Record<string, any>;

// The TME redacts with the engine: the filter's own AssemblyScript encoder (filter/assembly/redact/).
const engine = DetectionEngine.load();
engine.setRedaction({ headers: ['authorization'], fields: ['password', 'token', 'api_key'] });

function withBody(data: string, contentType: string): Json {
  const record = structuredClone(batch.records[0]) as Json;
  record.request.headers = [['content-type', contentType]];
  record.request.body = { data, encoding: 'utf8', size: Buffer.byteLength(data), truncated: false };
  return record;
}

function redactedBody(data: string, contentType = 'application/json'): string {
  return engine.redactRecord(withBody(data, contentType)).request.body.data;
}

describe('redaction rules', () => {
  test('JSON fields are redacted at any depth, by case-insensitive name, whole values included', () => {
    const text = JSON.stringify({ user: 'a', Password: 'p', nested: [{ token: { a: 1 } }], keep: 'token' });
    assert.deepEqual(JSON.parse(redactedBody(text)), {
      user: 'a',
      Password: '[REDACTED]',
      nested: [{ token: '[REDACTED]' }],
      keep: 'token',
    });
  });

  test('a JSON body with nothing to redact is left byte-for-byte', () => {
    const text = '{ "user" : "a",\n  "n": 1 }';
    assert.equal(redactedBody(text), text);
  });

  test('a truncated JSON body still has its secrets replaced', () => {
    const text = '{"user":"a","password":"hun\\"ter2","n":{"token": 12345, "tail": "abc';
    assert.equal(redactedBody(text), '{"user":"a","password":"[REDACTED]","n":{"token": "[REDACTED]", "tail": "abc');
    assert.equal(redactedBody('{"a":1,"password":"cut her'), '{"a":1,"password":"[REDACTED]');
  });

  test('query and form values are redacted by decoded name, other pairs untouched', () => {
    const record = withBody('a=1&PassWord=x&api%5Fkey=y&tag&token=z', 'application/x-www-form-urlencoded');
    record.request.query = 'a=1&PassWord=x&api%5Fkey=y&tag&token=z';
    const out = engine.redactRecord(record);
    assert.equal(out.request.body.data, 'a=1&PassWord=[REDACTED]&api%5Fkey=[REDACTED]&tag&token=[REDACTED]');
    assert.equal(out.request.query, 'a=1&PassWord=[REDACTED]&api%5Fkey=[REDACTED]&tag&token=[REDACTED]');
    assert.equal(out.redacted, true);
  });

  test('the hostile shapes that stalled or overflowed the TypeScript redactor are linear', () => {
    const backtracking = '{"token' + '\\"'.repeat(65_530);
    const deep = '['.repeat(20_000) + '{"password":"deep"}' + ']'.repeat(20_000);
    for (const [text, expected] of [
      [backtracking, backtracking],
      [deep, deep.replace('deep"', '[REDACTED]"')],
    ] as const) {
      const started = performance.now();
      assert.equal(redactedBody(text), expected);
      // Generous for a loaded 2-core machine (about 20 ms idle): the TypeScript regex took 7.9 s on the
      // first shape, and the second overflowed its stack.
      const took = performance.now() - started;
      assert.ok(took < 2000, `took ${took} ms`);
    }
  });
});

describe('redaction before storage', () => {
  let tme: TestTme;
  before(async () => {
    tme = await startTestTme({ TME_REDACT_HEADERS: 'authorization,cookie,set-cookie,x-api-key,x-tenant-secret' });
  });
  after(() => tme.stop());

  const secrets = ['Bearer eyJhbGciOi', 'sid=s3cr3t', 'sid=n3w', 'k-live-123', 'tenant-42', 'hunter2', 'form-pw', 'qs-token'];

  test('secret headers, JSON and form fields, and query values never reach captures or the spool', async () => {
    const login = structuredClone(batch.records[0]) as Json;
    login.request.query = 'next=%2F&access_token=qs-token';
    login.request.headers = [
      ['Authorization', 'Bearer eyJhbGciOi'],
      ['cookie', 'sid=s3cr3t'],
      ['x-api-key', 'k-live-123'],
      ['x-tenant-secret', 'tenant-42'],
      ['content-type', 'application/json'],
    ];
    login.request.body = { data: JSON.stringify({ user: 'alice', password: 'hunter2' }), encoding: 'utf8', size: 36, truncated: false };
    login.response.headers = [
      ['set-cookie', 'sid=n3w; HttpOnly'],
      ['content-type', 'application/json'],
    ];
    const form = structuredClone(batch.records[0]) as Json;
    form.request.headers = [['content-type', 'application/x-www-form-urlencoded']];
    form.request.body = { data: 'user=bob&passwd=form-pw', encoding: 'utf8', size: 23, truncated: false };

    assert.equal((await tme.post('/v1/records', { records: [login, form] })).status, 200);

    const capturesText = await (await tme.get('/v1/captures')).text();
    const spoolText = (await Promise.all((await readdir(tme.spoolDir)).map((name) => readFile(join(tme.spoolDir, name), 'utf8')))).join('');
    for (const secret of secrets) {
      assert.ok(!capturesText.includes(secret), `captures leak ${secret}`);
      assert.ok(!spoolText.includes(secret), `spool leaks ${secret}`);
    }

    const [formCapture, loginCapture] = (JSON.parse(capturesText) as { captures: Json[] }).captures as [Json, Json];
    const a = loginCapture.attributes;
    assert.deepEqual(a['http.request.header.authorization'], ['[REDACTED]'], 'header names are matched case-insensitively');
    assert.deepEqual(a['http.request.header.cookie'], ['sid=[REDACTED]'], 'each cookie keeps its name');
    assert.deepEqual(a['http.request.header.x-api-key'], ['[REDACTED]']);
    assert.deepEqual(a['http.request.header.x-tenant-secret'], ['[REDACTED]'], 'configured extra header');
    assert.deepEqual(a['http.response.header.set-cookie'], ['sid=[REDACTED]; HttpOnly']);
    assert.deepEqual(a['http.request.header.content-type'], ['application/json']);
    assert.equal(a['http.request.body'], '{"user":"alice","password":"[REDACTED]"}');
    assert.equal(a['url.query'], 'next=%2F&access_token=[REDACTED]');
    assert.equal(formCapture.attributes['http.request.body'], 'user=bob&passwd=[REDACTED]');

    const spooled = await tme.spoolLines();
    const spooledLogin = spooled.find((line) => line.id === loginCapture.id)?.record as Json;
    assert.equal(spooledLogin.request.body.data, '{"user":"alice","password":"[REDACTED]"}');
  });
});
