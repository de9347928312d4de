import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CapturePipeline } from '../../host/tme-server/src/ingest/capture-pipeline.ts';
import { RecordSchema } from '../../host/tme-server/src/ingest/record-schema.ts';
import { lineParts, type Capture, type StoredCapture } from '../../host/tme-server/src/record/capture.ts';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };

const records = batch.records.map((record) => RecordSchema.parse(record));

function deferredSpool() {
  const appended: Buffer[][] = [];
  let settle!: (error?: Error) => void;
  const written = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
  return { appended, settle, append: (lines: readonly Buffer[]) => (appended.push([...lines]), written) };
}

describe('CapturePipeline', () => {
  test('acknowledges, shows and exports nothing until the spool write completes', async () => {
    const spool = deferredSpool();
    const ring: StoredCapture[] = [];
    const exported: Capture[] = [];
    const pipeline = new CapturePipeline((record) => record, {
      spool,
      ring: { push: (c) => ring.push(c) },
      spans: { export: (c) => exported.push(c) },
    });

    let acknowledged = false;
    const accepted = pipeline.accept(records, 'gatewarden').then(() => (acknowledged = true));
    await new Promise((done) => setImmediate(done));
    assert.equal(spool.appended.length, 1, 'one append for the whole batch');
    assert.equal(spool.appended[0]!.length, 6, 'three parts of each of two lines');
    assert.equal(acknowledged, false);
    assert.deepEqual([ring.length, exported.length], [0, 0]);

    spool.settle();
    await accepted;
    assert.deepEqual(lineParts(ring), spool.appended[0]);
    assert.deepEqual(
      exported.map((c) => c.id),
      ring.map((c) => c.id),
    );
    assert.deepEqual(
      exported.map((c) => c.attributes['url.path']),
      ['/api/orders', '/payments.v1.Payments/Charge'],
    );
  });

  test('a failed spool write rejects the batch and keeps nothing', async () => {
    const spool = deferredSpool();
    const ring: StoredCapture[] = [];
    const pipeline = new CapturePipeline((record) => record, { spool, ring: { push: (c) => ring.push(c) }, spans: undefined });
    const accepted = pipeline.accept(records, 'gatewarden');
    spool.settle(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    await assert.rejects(accepted, /no space left/);
    assert.equal(ring.length, 0);
  });
});
