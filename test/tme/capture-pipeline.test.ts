import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CapturePipeline } from '../../host/tme-server/src/ingest/capture-pipeline.ts';
import { RecordSchema } from '../../host/tme-server/src/ingest/record-schema.ts';
import type { Capture } from '../../host/tme-server/src/record/capture.ts';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };

const records = batch.records.map((record) => RecordSchema.parse(record));

function deferredSpool() {
  const appended: Capture[][] = [];
  let settle!: (error?: Error) => void;
  const written = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
  return { appended, settle, append: (entries: readonly Capture[]) => (appended.push([...entries]), written) };
}

describe('CapturePipeline', () => {
  test('acknowledges, shows and exports nothing until the spool write completes', async () => {
    const spool = deferredSpool();
    const ring: Capture[] = [];
    const exported: Capture[] = [];
    const pipeline = new CapturePipeline((record) => record, {
      spool,
      ring: { push: (c) => ring.push(c) },
      spans: { export: (c) => exported.push(c) },
    });

    let acknowledged = false;
    const accepted = pipeline.accept(records, 'gatewarden').then((captures) => ((acknowledged = true), captures));
    await new Promise((done) => setImmediate(done));
    assert.equal(spool.appended.length, 1, 'one append for the whole batch');
    assert.equal(spool.appended[0]!.length, 2);
    assert.equal(acknowledged, false);
    assert.deepEqual([ring.length, exported.length], [0, 0]);

    spool.settle();
    const captures = await accepted;
    assert.deepEqual(ring, captures);
    assert.deepEqual(exported, captures);
  });

  test('a failed spool write rejects the batch and keeps nothing', async () => {
    const spool = deferredSpool();
    const ring: Capture[] = [];
    const pipeline = new CapturePipeline((record) => record, { spool, ring: { push: (c) => ring.push(c) }, spans: undefined });
    const accepted = pipeline.accept(records, 'gatewarden');
    spool.settle(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    await assert.rejects(accepted, /no space left/);
    assert.equal(ring.length, 0);
  });
});
