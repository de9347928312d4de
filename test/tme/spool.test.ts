import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { JsonlSpool } from '../../host/tme-server/src/spool/jsonl-spool.ts';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };
import { startTestTme } from './helpers/tme.ts';

type Json = Record<string, any>;

const line = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value)}\n`);

describe('spool through the HTTP API', () => {
  for (const fsync of ['always', 'interval', 'never']) {
    test(`an acknowledged batch is already in the spool file (TME_SPOOL_FSYNC=${fsync})`, async () => {
      const tme = await startTestTme({ TME_SPOOL_FSYNC: fsync });
      try {
        const res = await tme.post('/v1/records', batch);
        assert.equal(res.status, 200);
        // Read right after the acknowledgement, before anything else can run.
        const lines = await tme.spoolLines();
        assert.equal(lines.length, 2);
        const { captures } = (await (await tme.get('/v1/captures')).json()) as { captures: Json[] };
        assert.deepEqual(lines.map((l) => l.id).sort(), captures.map((c) => c.id).sort());
        assert.equal(lines[0]!.source, 'gatewarden');
        assert.equal((lines[0]!.record as Json).request.path, '/api/orders');
      } finally {
        await tme.stop();
      }
    });
  }

  test('rejected records are not spooled', async () => {
    const tme = await startTestTme();
    try {
      const bad = { ...batch.records[0], duration_nano: -1 };
      assert.equal((await tme.post('/v1/records', { records: [bad] })).status, 400);
      assert.deepEqual(await tme.spoolLines(), []);
    } finally {
      await tme.stop();
    }
  });
});

describe('JsonlSpool', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tme-spool-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('rotates by size, keeps the newest files, and reports their bytes', async () => {
    const spool = await JsonlSpool.open({ dir, maxFileBytes: 120, keepFiles: 2, fsync: 'always', fsyncIntervalMs: 1000 });
    const entry = { pad: 'x'.repeat(40) }; // 57 bytes as a line: two fit in a file
    for (let i = 0; i < 5; i++) await spool.append([line({ ...entry, i })]);
    await spool.close();

    const names = (await readdir(dir)).sort();
    assert.deepEqual(names, ['captures-000002.jsonl', 'captures-000003.jsonl']);
    const sizes = await Promise.all(names.map(async (name) => (await stat(join(dir, name))).size));
    assert.equal(spool.bytes(), sizes[0]! + sizes[1]!);
    const last = (await readFile(join(dir, names[1]!), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).i);
    assert.deepEqual(last, [4]);
  });

  test('continues the newest file after a restart', async () => {
    const spool = await JsonlSpool.open({ dir, maxFileBytes: 1000, keepFiles: 2, fsync: 'never', fsyncIntervalMs: 1000 });
    await spool.append([line({ i: 5 }), line({ i: 6 })]);
    await spool.close();
    const lines = (await readFile(join(dir, 'captures-000003.jsonl'), 'utf8')).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).i),
      [4, 5, 6],
    );
  });
});
