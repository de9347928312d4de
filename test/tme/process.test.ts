import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { VARIABLES } from '../../host/tme-server/src/config.ts';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };
import { REPO_ROOT, spawnTme, type ChildTme } from './helpers/tme.ts';

const LISTENING = /^tme listening http=127\.0\.0\.1:(\d+) grpc=127\.0\.0\.1:(\d+)$/;

describe('the tme-server process', () => {
  let spoolDir: string;
  before(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'tme-process-'));
  });
  after(() => rm(spoolDir, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    TME_HTTP_PORT: '0',
    TME_GRPC_PORT: '0',
    TME_SPOOL_DIR: spoolDir,
    ...extra,
  });

  async function servesAndStops(child: ChildTme): Promise<void> {
    try {
      assert.ok(child.listening, `no startup line; stderr: ${child.stderr()}`);
      const [, httpPort, grpcPort] = LISTENING.exec(child.listening) ?? [];
      assert.ok(httpPort && grpcPort && httpPort !== '0' && grpcPort !== '0', child.listening);
      assert.equal(child.stdout(), `${child.listening}\n`, 'exactly one line on stdout');
      const res = await fetch(`http://127.0.0.1:${httpPort}/v1/records`, { method: 'POST', body: JSON.stringify(batch) });
      assert.equal(res.status, 200);
    } finally {
      assert.equal(await child.stop(), 0, `SIGTERM exits cleanly; stderr: ${child.stderr()}`);
    }
  }

  test('prints one startup line with the real ephemeral ports, serves, and exits 0 on SIGTERM', async () => {
    await servesAndStops(await spawnTme(env()));
  });

  test('a bad variable exits non-zero naming it', async () => {
    const cases = [
      ['TME_HTTP_PORT', '70000'],
      ['TME_SPOOL_FSYNC', 'sometimes'],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url'],
    ] as const;
    await Promise.all(
      cases.map(async ([name, value]) => {
        const child = await spawnTme(env({ [name]: value }));
        assert.equal(child.listening, undefined);
        assert.equal(await child.exited, 2, name);
        assert.match(child.stderr(), new RegExp(`${name}: .+, got "${value}"`));
      }),
    );
  });

  test('--help lists every variable and starts nothing', async () => {
    const child = await spawnTme(env(), ['--help']);
    assert.equal(await child.exited, 0);
    for (const name of Object.keys(VARIABLES)) assert.match(child.stdout(), new RegExp(`^  ${name}\\b`, 'm'));
  });

  test('the esbuild bundle runs on plain node', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'tme-bundle-'));
    try {
      await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'host/tme-server/build.mjs'), '--outdir', outdir]);
      await servesAndStops(await spawnTme(env(), [], [join(outdir, 'tme-server.mjs')]));
    } finally {
      await rm(outdir, { recursive: true, force: true });
    }
  });
});
