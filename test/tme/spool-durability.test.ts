// The spool never acknowledges what is not on disk, through the real process: a file-size limit
// reached (as a full disk would) and a SIGKILL while writing, then a restart. Every acknowledged
// record must be readable, no line merged with another, nothing unacknowledged kept.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };
import { REPO_ROOT, spawnTme, type ChildTme } from './helpers/tme.ts';

const BUNDLE = join(REPO_ROOT, 'build/tme-server.mjs');
type Json = Record<string, any>;

function record(path: string, bodyBytes: number): Json {
  const r = structuredClone(batch.records[0]) as Json;
  r.request.path = path;
  r.request.body = { data: JSON.stringify({ pad: 'x'.repeat(bodyBytes) }), encoding: 'utf8', size: bodyBytes + 10, truncated: false };
  return r;
}

async function start(spoolDir: string, shell = ''): Promise<{ tme: ChildTme; url: string }> {
  const env = { TME_HTTP_PORT: '0', TME_GRPC_PORT: '0', TME_SPOOL_DIR: spoolDir };
  const tme = await spawnTme(env, [], ['-c', `${shell} exec "${process.execPath}" "${BUNDLE}"`], 'bash');
  assert.ok(tme.listening, `no startup line; stderr: ${tme.stderr()}`);
  return { tme, url: `http://127.0.0.1:${/http=\S+:(\d+)/.exec(tme.listening)![1]}` };
}

/** Every spool line, parsed; fails on a line that is not one whole JSON object. */
async function spooledPaths(spoolDir: string): Promise<string[]> {
  const paths: string[] = [];
  // Only the spool's own files: the API inventory keeps its snapshot in the same directory.
  for (const name of (await readdir(spoolDir)).filter((n) => /^captures-\d+\.jsonl$/.test(n)).sort()) {
    const text = await readFile(join(spoolDir, name), 'utf8');
    assert.ok(text === '' || text.endsWith('\n'), `${name} ends with a whole line`);
    for (const line of text.split('\n').slice(0, -1)) paths.push((JSON.parse(line) as Json).record.request.path as string);
  }
  return paths;
}

async function post(url: string, records: Json[]): Promise<number> {
  const res = await fetch(`${url}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ records }),
  });
  await res.arrayBuffer();
  return res.status;
}

test('at a file-size limit a batch is refused with 503, nothing of it kept, and the spool stays readable', async () => {
  const spoolDir = await mkdtemp(join(tmpdir(), 'tme-efbig-'));
  try {
    // 64 KiB per file (bash counts in KiB); SIGXFSZ ignored so that write(2) returns short, then EFBIG.
    let { tme, url } = await start(spoolDir, "trap '' XFSZ; ulimit -f 64;");
    const acknowledged: string[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const records = [record(`/ack/${i}/a`, 3000), record(`/ack/${i}/b`, 3000), record(`/ack/${i}/c`, 3000)];
      const status = await post(url, records);
      statuses.push(status);
      if (status === 200) acknowledged.push(...records.map((r) => r.request.path as string));
    }
    assert.ok(statuses.includes(503), `a batch beyond the limit is refused: ${statuses.join(',')}`);
    assert.ok(statuses.includes(200));
    await tme.stop();
    assert.deepEqual(await spooledPaths(spoolDir), acknowledged);

    ({ tme, url } = await start(spoolDir));
    assert.equal(await post(url, [record('/after-restart', 10)]), 200);
    await tme.stop();
    assert.deepEqual(await spooledPaths(spoolDir), [...acknowledged, '/after-restart']);
  } finally {
    await rm(spoolDir, { recursive: true, force: true });
  }
});

test('after a SIGKILL while writing, a torn last line is cut before anything is appended', async () => {
  const spoolDir = await mkdtemp(join(tmpdir(), 'tme-sigkill-'));
  try {
    let { tme, url } = await start(spoolDir);
    const acknowledged: string[] = [];
    let n = 0;
    const sender = async (): Promise<void> => {
      for (;;) {
        const records = [record(`/kill/${n++}`, 256 * 1024), record(`/kill/${n++}`, 256 * 1024)];
        const status = await post(url, records).catch(() => 0);
        if (status !== 200) return;
        acknowledged.push(...records.map((r) => r.request.path as string));
      }
    };
    const senders = [sender(), sender(), sender()];
    // Kill while batches are being written: after a few were acknowledged, others are in flight.
    while (acknowledged.length < 6) await new Promise((done) => setTimeout(done, 5));
    tme.child.kill('SIGKILL');
    await tme.exited;
    await Promise.all(senders);
    assert.ok(acknowledged.length > 0);
    // Whether or not the kill tore a write, the worst case is a partial line at the end of the file.
    const [last] = (await readdir(spoolDir)).sort().reverse();
    await appendFile(join(spoolDir, last!), '{"id":"torn-by-a-crash","record":{"request":{"pa');

    ({ tme, url } = await start(spoolDir));
    assert.equal(await post(url, [record('/after-kill', 10)]), 200);
    await tme.stop();
    const paths = await spooledPaths(spoolDir);
    for (const path of acknowledged) assert.ok(paths.includes(path), `acknowledged ${path} is readable`);
    assert.equal(paths.at(-1), '/after-kill');
    assert.match(tme.stderr(), /cut \d+ bytes of a torn last line/);
  } finally {
    await rm(spoolDir, { recursive: true, force: true });
  }
});
