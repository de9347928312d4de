// The stated framing (docs/record-format.md): a batch whose producer, authenticated by the agent token,
// states each record's length and marks is checked with a few comparisons per record and stored byte
// for byte; every inconsistency refuses the whole batch; without the agent token a statement is ignored.
// Records are written by the engine, the filter's own encoder, with the marks it states.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DetectionEngine, type ExchangeParts } from '../../filter/node/engine.ts';
import { frameRecord } from './helpers/frame-record.ts';
import { producedRecord } from '../../host/tme-server/src/ingest/capture-pipeline.ts';
import { startTestTme, type TestTme } from './helpers/tme.ts';

const AGENT = 'agent-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const agent = { 'x-gatewarden-agent-token': AGENT };

const engine = DetectionEngine.load();
engine.setRedaction({});

function exchange(i: number, over: Partial<ExchangeParts> = {}): ExchangeParts {
  const body = Buffer.from(JSON.stringify({ item: `sku-${i}`, note: 'a "quoted" value, {with} [brackets]\n and a line break' }));
  return {
    id: `req-${i}`,
    service: 'istio',
    moduleVersion: '0.1.0',
    startNanos: 1_700_000_000_000_000_000n + BigInt(i),
    durationNanos: 4_200_000n + BigInt(i),
    client: { address: `203.0.113.${i % 250}`, peer: '10.0.0.1', port: 0 },
    protocol: 'HTTP/1.1',
    requestHeaders: [
      [':method', 'POST'],
      [':scheme', 'https'],
      [':authority', 'shop.example.com'],
      [':path', `/api/orders/${i}?page=2`],
      ['accept', 'application/json'],
      ['content-type', 'application/json'],
    ],
    requestBody: { data: body, size: body.length },
    responseHeaders: [
      [':status', '201'],
      ['content-type', 'application/json; charset=utf-8'],
    ],
    responseBody: { data: Buffer.from('{"id":"ord-1"}'), size: 14 },
    ...over,
  };
}

/** A record as the filter encodes it, with the framing it states: `length:response[:verdict]`. */
function encoded(parts: ExchangeParts): { bytes: Buffer; frame: string } {
  const bytes = engine.encodeRecord(parts);
  const { responseAt, verdictAt } = engine.recordMarks();
  return { bytes, frame: `${bytes.length}:${responseAt}${verdictAt >= 0 ? `:${verdictAt}` : ''}` };
}

function batchOf(records: { bytes: Buffer; frame: string }[]): { body: Buffer; frame: string } {
  const body = Buffer.concat([
    Buffer.from('{"records":['),
    Buffer.from(records.map((r) => r.bytes.toString('latin1')).join(','), 'latin1'),
    Buffer.from(']}'),
  ]);
  return { body, frame: records.map((r) => r.frame).join(',') };
}

const VERDICT = { action: 'monitor', rule: 'detect', category: 'sqli', location: 'body.json:$.item', snippet: "' OR 1=1" } as const;

describe('the stated framing: the index', () => {
  test('read at the stated marks, it is the index the byte-by-byte framing notes, for every shape the encoder writes', () => {
    const shapes: [string, Partial<ExchangeParts>][] = [
      ['a plain record', {}],
      ['a verdict', { verdict: VERDICT }],
      [
        'escapes in the noted fields',
        {
          requestHeaders: [
            [':method', 'GET'],
            [':authority', 'a\\"b'],
            [':path', '/p\\x"q?x="y"'],
            ['Content-Type', 'text/"plain"'],
          ],
        },
      ],
      [
        'no content-type, no bodies, no status',
        {
          requestHeaders: [
            [':method', 'GET'],
            [':path', '/'],
          ],
          requestBody: undefined,
          responseHeaders: [],
          responseBody: undefined,
          fallbackStatus: 0,
        },
      ],
      [
        'content-type after other headers and a trailer',
        {
          requestTrailers: [['content-type', 'x/y']],
          responseHeaders: [
            [':status', '404'],
            ['x-a', '1'],
            ['CONTENT-TYPE', 'text/html'],
          ],
        },
      ],
      ['a client with a peer and a port', { client: { address: '198.51.100.7', peer: '10.0.0.2', port: 443 } }],
      ['a 64 KiB body', { requestBody: { data: Buffer.from('"\\'.repeat(32 * 1024)), size: 64 * 1024 } }],
      [
        'truncated bodies',
        { requestBody: { data: Buffer.from('{"a":1}'), size: 100 }, responseBody: { data: Buffer.from('{"b"'), size: 9 } },
      ],
      [
        'binary bodies',
        { requestBody: { data: Buffer.from([0xff, 0, 0x80]), size: 3 }, responseBody: { data: Buffer.from([0xc3]), size: 1 } },
      ],
      ['empty bodies', { requestBody: { data: Buffer.alloc(0), size: 0 }, responseBody: { data: Buffer.alloc(0), size: 0 } }],
      [
        'a gRPC status after the response body, and a verdict',
        {
          responseHeaders: [
            [':status', '200'],
            ['content-type', 'application/grpc'],
            ['grpc-status', '0'],
          ],
          responseBody: { data: Buffer.from('{"x":"\\"y"}'), size: 12 },
          verdict: VERDICT,
        },
      ],
    ];
    for (const [name, over] of shapes) {
      const bytes = engine.encodeRecord(exchange(7, over));
      const produced = producedRecord(bytes, engine.recordMarks());
      const frame = frameRecord(bytes);
      assert.ok(frame.fits, name);
      assert.deepEqual({ ...produced.index }, { ...frame.index }, name);
      assert.equal(produced.verdict, frame.verdict, name);
    }
  });
});

describe('POST /v1/records with a stated framing', () => {
  let tme: TestTme;
  before(async () => {
    tme = await startTestTme({ TME_AGENT_TOKEN: AGENT, TME_ADMIN_TOKEN: ADMIN, TME_API_INVENTORY: 'on' });
  });
  after(() => tme.stop());

  const post = (body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${tme.url}/v1/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: new Uint8Array(Buffer.from(body)),
    });

  test('a stated batch is stored byte for byte, verdicts reach the answer as they do unstated', async () => {
    const records = [encoded(exchange(1)), encoded(exchange(2, { verdict: VERDICT })), encoded(exchange(3))];
    const { body, frame } = batchOf(records);
    const before = (await tme.spoolLines()).length;
    const res = await post(body, { ...agent, 'x-gatewarden-frame': frame });
    assert.deepEqual(await res.json(), { accepted: 3, rejected: [] });
    assert.equal(res.status, 200);
    const spool = await rawSpoolRecords(tme);
    assert.deepEqual(
      spool.slice(before),
      records.map((r) => r.bytes.toString('utf8')),
    );
  });

  test('every inconsistency refuses the whole batch with 400 naming it, and nothing is stored', async () => {
    const records = [encoded(exchange(11)), encoded(exchange(12, { verdict: VERDICT }))];
    const { body, frame } = batchOf(records);
    const [first, second] = frame.split(',') as [string, string];
    const [len1, resp1] = first.split(':').map(Number) as [number, number];
    const withLf = Buffer.from(body);
    withLf[body.indexOf('"path"')] = 0x0a;
    const cases: [string, Buffer | string, string, RegExp][] = [
      ['a length one short', body, `${len1 - 1}:${resp1},${second}`, /records\[0\]: the stated \d+ bytes are not one object/],
      ['a length one long', body, `${len1 + 1}:${resp1},${second}`, /records\[0\]: the stated \d+ bytes are not one object/],
      ['a record left out', body, first, /the stated lengths end at byte \d+, the body \(\d+ bytes\) does not end there/],
      ['a record too many', body, `${frame},${second}`, /records\[1\]: expected ',' after its stated length/],
      [
        'a response mark elsewhere',
        body,
        `${len1}:${resp1 + 1},${second}`,
        /records\[0\]: no ,"response":\{"status": at the stated offset/,
      ],
      ['a response mark past the record', body, `${len1}:${len1 + 5},${second}`, /records\[0\]: no ,"response":/],
      ['a verdict mark elsewhere', body, `${first}:${resp1 + 3},${second}`, /records\[0\]: no ,"verdict":\{"action": after the response/],
      ['not numbers', body, `${len1}:x,${second}`, /x-gatewarden-frame: records\[0\]: expected length:response\[:verdict\]/],
      ['a trailing comma', body, `${frame},`, /expected length:response\[:verdict\], got ''/],
      ['a raw LF', withLf, frame, /a raw LF at byte \d+ of the body/],
      ['another envelope', Buffer.concat([Buffer.from(' '), body]), frame, /the body does not start with \{"records":\[/],
      [
        'two commas between records',
        Buffer.from(body.toString().replace('},{"id"', '},,{"id"')),
        `${len1}:${resp1},${second}`,
        /records\[1\]: the stated/,
      ],
      ['too many records', '{"records":[]}', Array.from({ length: 1001 }, () => '2:0').join(','), /at most 1000 records per batch/],
      ['a record over the size bound', body, `${13 * 1024 * 1024}:${resp1},${second}`, /records\[0\]: larger than 12582912 bytes/],
    ];
    const before = (await tme.spoolLines()).length;
    for (const [name, sent, statement, message] of cases) {
      const res = await post(sent, { ...agent, 'x-gatewarden-frame': statement });
      const answer = (await res.json()) as { error: string };
      assert.equal(res.status, 400, name);
      assert.match(answer.error, message, name);
    }
    assert.equal((await tme.spoolLines()).length, before, 'nothing stored');
  });

  test('a statement without the agent token is never used: 401 without a credential, a byte-by-byte scan with the admin token', async () => {
    const { body } = batchOf([encoded(exchange(21))]);
    const lying = `${body.length}:0`;
    const res = await post(body, { 'x-gatewarden-frame': lying });
    assert.equal(res.status, 401);
    await res.arrayBuffer();
    const admin = await post(body, { authorization: `Bearer ${ADMIN}`, 'x-gatewarden-frame': lying });
    assert.deepEqual(await admin.json(), { accepted: 1, rejected: [] }, 'the lying statement was not read');
  });

  test('a stated record not marked redacted, or not where the encoder writes its fields, is parsed and judged by the schema', async () => {
    const plain = JSON.stringify({ ...JSON.parse(engine.encodeRecord(exchange(31)).toString()), redacted: undefined });
    // The client after the request: valid, marked, but not in the encoder's order.
    const reordered = (() => {
      const { client, response, redacted, ...head } = JSON.parse(engine.encodeRecord(exchange(32)).toString());
      return JSON.stringify({ ...head, client, response, redacted });
    })();
    const bad = JSON.stringify({
      ...JSON.parse(engine.encodeRecord(exchange(33)).toString()).request,
      response: { status: 1 },
      redacted: true,
    });
    const frameOf = (text: string) => `${Buffer.byteLength(text)}:${text.indexOf(',"response":{"status":')}`;
    const body = `{"records":[${plain},${reordered},${bad}]}`;
    const res = await post(body, { ...agent, 'x-gatewarden-frame': [plain, reordered, bad].map(frameOf).join(',') });
    const answer = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
    assert.equal(answer.accepted, 2);
    assert.deepEqual(
      answer.rejected.map((r) => r.index),
      [2],
    );
    const { captures } = (await (
      await fetch(`${tme.url}/v1/captures?limit=2`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as {
      captures: { attributes: Record<string, unknown> }[];
    };
    assert.deepEqual(
      captures.map((c) => c.attributes['url.path']),
      ['/api/orders/32', '/api/orders/31'],
    );
  });

  test('a stated record that is not JSON past its indexed fields is stored as sent, and every reader skips it', async () => {
    const good = engine.encodeRecord(exchange(41)).toString();
    const broken = good.replace(/"body":\{"data":"/, '"body":{"data":"x" oops, "');
    assert.notEqual(broken, good);
    const frameOf = (text: string) => `${Buffer.byteLength(text)}:${text.indexOf(',"response":{"status":')}`;
    const res = await post(`{"records":[${broken}]}`, { ...agent, 'x-gatewarden-frame': frameOf(broken) });
    assert.deepEqual(await res.json(), { accepted: 1, rejected: [] });
    const admin = { headers: { authorization: `Bearer ${ADMIN}` } };
    // The inventory learns from it off the ingest path; its routes answer once that is done.
    assert.equal((await fetch(`${tme.url}/v1/apis`, admin)).status, 200);
    const { captures } = (await (await fetch(`${tme.url}/v1/captures?limit=1000`, admin)).json()) as {
      captures: { attributes: Record<string, unknown> }[];
    };
    assert.ok(!captures.some((c) => c.attributes['url.path'] === '/api/orders/41'));
    const next = encoded(exchange(42));
    const after = await post(batchOf([next]).body, { ...agent, 'x-gatewarden-frame': next.frame });
    assert.deepEqual(await after.json(), { accepted: 1, rejected: [] });
  });

  test("a stated record that closes itself early cannot override its spool line's id, source or received_at", async () => {
    const good = engine.encodeRecord(exchange(51)).toString();
    const at = good.indexOf('"body":{"data":"') + '"body":{"data":"'.length;
    // Closes the body, the request and the record, adds keys to the line, and opens as many containers again.
    const forged = `${good.slice(0, at)}x"}}},"id":"forged","source":"ext_cap","received_at":"1970-01-01T00:00:00.000Z","pad":{"a":{"b":{"data":"${good.slice(at)}`;
    const frame = `${Buffer.byteLength(forged)}:${forged.indexOf(',"response":{"status":')}`;
    const res = await post(`{"records":[${forged}]}`, { ...agent, 'x-gatewarden-frame': frame });
    assert.deepEqual(await res.json(), { accepted: 1, rejected: [] });
    const line = JSON.parse((await spoolText(tme)).trimEnd().split('\n').at(-1)!) as Record<string, unknown>;
    assert.equal(line.source, 'gatewarden');
    assert.match(String(line.id), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(line.received_at, '1970-01-01T00:00:00.000Z');
  });
});

/** The spool's lines as written (an earlier test stored a record that is not JSON). */
async function spoolText(tme: TestTme): Promise<string> {
  const { readdir, readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const names = (await readdir(tme.spoolDir)).filter((n) => n.endsWith('.jsonl')).sort();
  return (await Promise.all(names.map((n) => readFile(join(tme.spoolDir, n), 'utf8')))).join('');
}

/** The record bytes of each spool line, as written (the line is `{"record":<record>,…}`). */
async function rawSpoolRecords(tme: TestTme): Promise<string[]> {
  const text = await spoolText(tme);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.slice('{"record":'.length, l.lastIndexOf(',"id":"')));
}
