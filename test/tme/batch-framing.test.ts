import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FramingError, frameBatch } from '../../host/tme-server/src/ingest/batch-framing.ts';
import { Slot } from '../../host/tme-server/src/ingest/record-shape.ts';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };

const LIMITS = { maxRecords: 1000, maxRecordBytes: 1 << 20, maxRecordDepth: 8 };

function frames(text: string) {
  const buf = Buffer.from(text);
  return frameBatch(buf, LIMITS).map((f) => ({
    text: buf.subarray(f.start, f.end).toString(),
    problem: f.problem,
    redacted: f.redacted,
    verdict: f.verdict,
    oneLine: f.oneLine,
  }));
}

describe('frameBatch', () => {
  test('finds each record and its top-level redacted and verdict fields, whatever the spacing', () => {
    const got = frames(
      ' { "other": [1, {"records": []}], "records" : [ {"a":"}\\"]","redacted":true} ,\n{"verdict":{"category":"sqli"},"x":{"redacted":true}} ] } ',
    );
    assert.deepEqual(got, [
      { text: '{"a":"}\\"]","redacted":true}', problem: undefined, redacted: true, verdict: false, oneLine: true },
      { text: '{"verdict":{"category":"sqli"},"x":{"redacted":true}}', problem: undefined, redacted: false, verdict: true, oneLine: true },
    ]);
  });

  test('judges each record alone: not an object, too deep, too large, several lines', () => {
    const deep = '['.repeat(9) + ']'.repeat(9);
    const got = frames(`{"records":["s",{"d":${deep}},{"big":"${'x'.repeat(LIMITS.maxRecordBytes)}"},{"a":\n1},{}]}`);
    assert.deepEqual(
      got.map((f) => f.problem),
      ['expected an object', 'nested deeper than 8 levels', `larger than ${LIMITS.maxRecordBytes} bytes`, undefined, undefined],
    );
    assert.deepEqual(
      got.map((f) => f.oneLine),
      [false, false, false, false, true],
    );
  });

  test("notes each record's index and whether it has the record shape, without a parse", () => {
    const good = JSON.stringify(batch.records[0]).replace('/api/orders', '/api/caf\\u00e9');
    const text = `{"records":[${good},${JSON.stringify(batch.records[1])},${good.replace('"status":201', '"status":"201"')},${good.replace('"size":23', '"size":2.3')}]}`;
    const buf = Buffer.from(text);
    const got = frameBatch(buf, LIMITS);
    assert.deepEqual(
      got.map((f) => f.fits),
      [true, true, false, false],
    );
    const [first, second] = got as [(typeof got)[0], (typeof got)[0]];
    const bytes = buf.subarray(first.start, first.end);
    const slots = [
      Slot.Method,
      Slot.Authority,
      Slot.Path,
      Slot.Query,
      Slot.ClientAddress,
      Slot.RequestContentType,
      Slot.ResponseContentType,
    ];
    assert.deepEqual(
      slots.map((slot) => first.index.text(bytes, slot)),
      ['POST', 'shop.example.com:8443', '/api/café', 'page=2&tag=a&tag=b', '10.1.2.3', 'application/json', 'application/json'],
    );
    assert.deepEqual([first.index.status, first.index.durationNano], [201, 2500000]);
    const verdict = buf.subarray(second.start, second.end);
    assert.deepEqual(
      [second.index.text(verdict, Slot.VerdictAction), second.index.text(verdict, Slot.VerdictCategory)],
      ['allow', undefined],
    );
  });

  test('refuses a batch that is not well-formed JSON or has no records array', () => {
    for (const text of [
      '{"records":[{"a":1}',
      '{"records":[]}x',
      '{"records":[{"a" 1}]}',
      '{"records":{}}',
      '[]',
      '{"records":[{"a":"x}]}',
      '[',
      '{"records":[],"records":[]}',
    ]) {
      assert.throws(() => frameBatch(Buffer.from(text), LIMITS), FramingError, text);
    }
    assert.throws(() => frameBatch(Buffer.from('{"records":[' + '['.repeat(300) + ']'.repeat(300) + ']}'), LIMITS), /nested deeper/);
    assert.throws(() => frameBatch(Buffer.from(`{"records":[${'{},'.repeat(1000)}{}]}`), LIMITS), /at most 1000 records/);
  });

  test('is linear on escaped quotes and backslash runs (the shape that made a regex backtrack)', () => {
    const time = (n: number): number => {
      const hostile = `{"records":[{"body":"{\\"token${'\\\\\\"'.repeat(n)}"}]}`;
      const start = process.hrtime.bigint();
      frameBatch(Buffer.from(hostile), { ...LIMITS, maxRecordBytes: 1 << 26 });
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    time(1000);
    const small = time(65_530);
    const large = time(16 * 65_530);
    // Quadratic would be ×256; linear is ×16 (generous margin for a loaded machine).
    assert.ok(large < small * 64 + 50, `65,530 escapes: ${small.toFixed(1)} ms; 16 times as many: ${large.toFixed(1)} ms`);
  });
});
