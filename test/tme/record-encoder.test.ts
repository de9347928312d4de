// The engine's record encoder (gw_encode_record): the filter's own writeRecord and redaction, fed with an
// exchange's parts by the TME's producers (ext_proc, ext_cap). Same bytes as the filter's encoder
// writes for the same exchange, bodies carried by the filter's rules, memory bounded for large bodies.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DetectionEngine, type ExchangeParts } from '../../filter/node/engine.ts';

const MiB = 1024 * 1024;

function exchange(over: Partial<ExchangeParts> = {}): ExchangeParts {
  return {
    id: 'req-1',
    service: 'istio',
    moduleVersion: '0.1.0',
    startNanos: 1_700_000_000_000_000_123n,
    durationNanos: 4_200_000n,
    client: { address: '203.0.113.9', peer: '10.0.0.1', port: 0 },
    protocol: 'HTTP/1.1',
    requestHeaders: [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':authority', 'api.example'],
      [':path', '/login?user=bob&access_token=QueryToken01'],
      ['content-type', 'application/json'],
      ['authorization', 'Bearer CanaryBearer01'],
    ],
    requestBody: { data: Buffer.from('{"user":"bob","password":"Hunter2Secret"}'), size: 41 },
    responseHeaders: [
      [':status', '200'],
      ['content-type', 'application/json'],
      ['set-cookie', 'sid=CookieValue01; Path=/'],
    ],
    responseBody: { data: Buffer.from('{"echo":"Hunter2Secret"}'), size: 24 },
    verdict: { action: 'monitor', rule: 'detect', category: 'sqli', location: 'body.json:$.password', snippet: 'Hunter2Secret' },
    ...over,
  };
}

describe('the engine record encoder', () => {
  const engine = DetectionEngine.load();
  engine.setRedaction({});

  test("writes the filter's record of the exchange, redacted and marked, byte for byte as the record read back", () => {
    const bytes = engine.encodeRecord(exchange());
    const record = JSON.parse(bytes.toString('utf8'));
    assert.deepEqual(record, {
      id: 'req-1',
      service: 'istio',
      module_version: '0.1.0',
      start_time_unix_nano: '1700000000000000123',
      duration_nano: 4200000,
      client: { address: '203.0.113.9', port: 0, peer: '10.0.0.1' },
      request: {
        method: 'POST',
        scheme: 'http',
        authority: 'api.example',
        path: '/login',
        query: 'user=bob&access_token=[REDACTED]',
        protocol: 'HTTP/1.1',
        headers: [
          ['content-type', 'application/json'],
          ['authorization', '[REDACTED]'],
        ],
        body: { data: '{"user":"bob","password":"[REDACTED]"}', encoding: 'utf8', size: 41, truncated: false },
      },
      response: {
        status: 200,
        headers: [
          ['content-type', 'application/json'],
          ['set-cookie', 'sid=[REDACTED]; Path=/'],
        ],
        body: { data: '{"echo":"[REDACTED]"}', encoding: 'utf8', size: 24, truncated: false },
      },
      verdict: { action: 'monitor', rule: 'detect', category: 'sqli', location: 'body.json:$.password', snippet: '[REDACTED]' },
      redacted: true,
    });
    assert.ok(!bytes.includes('\n'), 'one line: the pipeline stores it as it is');
    // The unredacted record, read back and redacted (gw_redact_record, the path of records that arrive
    // without the marker), is the same bytes: one encoder.
    const plain = DetectionEngine.load();
    plain.setRedaction({ headers: [], fields: [] });
    const unredacted = plain.encodeRecord(exchange()).toString('utf8');
    assert.ok(unredacted.includes('Hunter2Secret'));
    assert.equal(Buffer.from(engine.redactRecordJson(unredacted)).toString('utf8'), bytes.toString('utf8'));
  });

  test("carries bodies by the filter's rules: a text cut inside a character, and binary, as base64; cut means truncated", () => {
    const cut = Buffer.from('prix: 5€').subarray(0, 8);
    const record = JSON.parse(
      engine
        .encodeRecord(
          exchange({
            requestHeaders: [
              [':method', 'POST'],
              [':path', '/'],
              ['content-type', 'text/plain'],
            ],
            requestBody: { data: cut, size: 10 },
            responseHeaders: [[':status', '200']],
            responseBody: { data: Buffer.from([0, 1, 2, 0xff, 0xfe]), size: 5, cut: true },
            verdict: undefined,
          }),
        )
        .toString('utf8'),
    );
    assert.deepEqual(record.request.body, { data: cut.toString('base64'), encoding: 'base64', size: 10, truncated: true });
    assert.deepEqual(record.response.body, { data: 'AAEC//4=', encoding: 'base64', size: 5, truncated: true });
    // An empty body is still a body.
    const empty = JSON.parse(
      engine
        .encodeRecord(exchange({ requestBody: { data: Buffer.alloc(0), size: 0 }, responseBody: undefined, verdict: undefined }))
        .toString('utf8'),
    );
    assert.deepEqual(empty.request.body, { data: '', encoding: 'utf8', size: 0, truncated: false });
    assert.equal(empty.response.body, undefined);
  });

  test("keeps a snippet's lone surrogate as the filter writes it, and the response status from :status or the fallback", () => {
    const record = JSON.parse(
      engine
        .encodeRecord(
          exchange({
            verdict: { action: 'block', rule: 'r', category: 'xss', snippet: 'x\ud800y' },
            requestBody: undefined,
            responseBody: undefined,
          }),
        )
        .toString('utf8'),
    );
    assert.equal(record.verdict.snippet, 'x\ud800y');
    const reset = JSON.parse(
      engine.encodeRecord(exchange({ responseHeaders: [], fallbackStatus: 503, verdict: undefined })).toString('utf8'),
    );
    assert.equal(reset.response.status, 503);
  });

  test("a 2 x 4 MiB exchange: the record is whole and the engine's memory stays bounded over repeated exchanges", (t) => {
    const big = DetectionEngine.load();
    big.setRedaction({});
    const large = exchange({
      requestHeaders: [
        [':method', 'POST'],
        [':path', '/upload'],
        ['content-type', 'text/plain'],
      ],
      requestBody: { data: Buffer.alloc(4 * MiB, 'x'), size: 4 * MiB },
      responseHeaders: [
        [':status', '200'],
        ['content-type', 'text/plain'],
      ],
      responseBody: { data: Buffer.alloc(4 * MiB, 'y'), size: 4 * MiB },
      verdict: undefined,
    });
    const first = big.encodeRecord(large);
    const afterOne = big.memoryBytes();
    for (let i = 0; i < 5; i++) big.encodeRecord(large);
    const afterSix = big.memoryBytes();
    const record = JSON.parse(first.toString('utf8'));
    assert.equal(record.request.body.data.length, 4 * MiB);
    assert.equal(record.response.body.data.length, 4 * MiB);
    t.diagnostic(
      `record ${(first.length / MiB).toFixed(1)} MiB; engine memory ${afterOne / MiB} MiB after one exchange, ${afterSix / MiB} MiB after six`,
    );
    // The bodies are held once (written straight into the engine's captures), and one exchange's garbage
    // is collected before the next: two records' worth plus the allocator's doubling, never more.
    assert.ok(afterSix <= 6 * first.length, `engine memory ${afterSix / MiB} MiB for a ${(first.length / MiB).toFixed(1)} MiB record`);
    assert.equal(afterSix, big.memoryBytes());
  });

  test("an unmarked 2 x 4 MiB record, redacted again and again (gw_redact_record): the engine's memory settles after the first", () => {
    const engine = DetectionEngine.load();
    engine.setRedaction({});
    const body = { data: 'x'.repeat(4 * MiB), encoding: 'utf8', size: 4 * MiB, truncated: false };
    const record = JSON.stringify({
      id: 'a',
      service: 's',
      module_version: '1',
      start_time_unix_nano: '1',
      duration_nano: 1,
      client: { address: '10.0.0.1', port: 1 },
      request: {
        method: 'POST',
        scheme: 'http',
        authority: 'h',
        path: '/',
        query: '',
        protocol: 'HTTP/1.1',
        headers: [['content-type', 'text/plain']],
        body,
      },
      response: { status: 200, headers: [['content-type', 'text/plain']], body },
    });
    engine.redactRecordJson(record);
    const afterOne = engine.memoryBytes();
    for (let i = 0; i < 3; i++)
      assert.equal(JSON.parse(Buffer.from(engine.redactRecordJson(record)).toString('utf8')).response.body.data.length, 4 * MiB);
    assert.equal(engine.memoryBytes(), afterOne, `${afterOne / MiB} MiB after one record, ${engine.memoryBytes() / MiB} MiB after four`);
  });
});
