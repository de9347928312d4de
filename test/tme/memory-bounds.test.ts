// The TME's memory is bounded in bytes, not records, through the real process: 60 records with two
// 4 MiB bodies each, then the largest read of /v1/captures. The peak RSS stays within the capture
// ring's byte bound plus the process's own needs (before: 83 MB -> 695 MB, and a 235 MB answer).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };
import { REPO_ROOT, spawnTme } from './helpers/tme.ts';

type Json = Record<string, any>;
const MiB = 1024 * 1024;
const RING_BYTES = 64 * MiB;
const RESPONSE_BYTES = 8 * MiB;

async function memoryKiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
}

test('60 records with 2 x 4 MiB bodies, then limit=1000: RSS stays bounded, answers are paginated', async () => {
  const spoolDir = await mkdtemp(join(tmpdir(), 'tme-memory-'));
  const tme = await spawnTme(
    {
      TME_HTTP_PORT: '0',
      TME_GRPC_PORT: '0',
      TME_SPOOL_DIR: spoolDir,
      TME_SPOOL_FSYNC: 'never',
      TME_CAPTURE_BUFFER_BYTES: String(RING_BYTES),
      TME_CAPTURES_RESPONSE_BYTES: String(RESPONSE_BYTES),
    },
    [],
    [join(REPO_ROOT, 'build/tme-server.mjs')],
  );
  try {
    assert.ok(tme.listening, tme.stderr());
    const url = `http://127.0.0.1:${/http=\S+:(\d+)/.exec(tme.listening)![1]}`;
    const pid = tme.child.pid!;
    const baseline = await memoryKiB(pid, 'VmRSS');
    const body = { data: 'x'.repeat(4 * MiB), encoding: 'utf8', size: 4 * MiB, truncated: false };
    for (let i = 0; i < 60; i++) {
      const r = structuredClone(batch.records[0]) as Json;
      r.request.path = `/big/${i}`;
      r.request.headers = [['content-type', 'text/plain']];
      r.response.headers = [['content-type', 'text/plain']];
      r.request.body = body;
      r.response.body = body;
      // Marked as the filter marks them: this measures the ring and the paginated answers, not the
      // engine's redaction of an unmarked 8 MiB record (its Wasm memory alone reaches ≈ 107 MiB).
      r.redacted = true;
      const res = await fetch(`${url}/v1/records`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records: [r] }),
      });
      assert.equal(res.status, 200, await res.text());
    }
    const page = await fetch(`${url}/v1/captures?limit=1000`);
    const text = await page.text();
    assert.ok(text.length <= RESPONSE_BYTES + 2 * MiB, `one answer is about the byte cap: ${text.length} bytes`);
    const first = JSON.parse(text) as { captures: Json[]; next_cursor?: string };
    assert.equal(first.captures[0]!.attributes['url.path'], '/big/59');
    assert.ok(first.next_cursor, 'more through the cursor');
    // Walk every page: the ring holds what fits in its bytes, newest first, without repeats.
    const paths: string[] = first.captures.map((c) => c.attributes['url.path'] as string);
    for (let cursor: string | undefined = first.next_cursor; cursor !== undefined; ) {
      const next = (await (await fetch(`${url}/v1/captures?limit=1000&cursor=${cursor}`)).json()) as {
        captures: Json[];
        next_cursor?: string;
      };
      paths.push(...next.captures.map((c) => c.attributes['url.path'] as string));
      cursor = next.next_cursor;
    }
    const held = Math.floor(RING_BYTES / (8 * MiB + 4096));
    assert.deepEqual(
      paths,
      Array.from({ length: held }, (_, k) => `/big/${59 - k}`),
    );

    const peak = await memoryKiB(pid, 'VmHWM');
    const rssMiB = (peak - baseline) / 1024;
    console.log(
      `# TME RSS: baseline ${(baseline / 1024).toFixed(0)} MiB, peak ${(peak / 1024).toFixed(0)} MiB (+${rssMiB.toFixed(0)} MiB) with a ${RING_BYTES / MiB} MiB ring`,
    );
    // The ring, plus what one 8 MiB record costs while it is parsed, redacted and re-encoded (and
    // V8 collects late): well under the chart's 512 Mi limit.
    assert.ok(rssMiB < RING_BYTES / MiB + 256, `peak RSS grew by ${rssMiB.toFixed(0)} MiB`);
  } finally {
    await tme.stop();
    await rm(spoolDir, { recursive: true, force: true });
  }
});
