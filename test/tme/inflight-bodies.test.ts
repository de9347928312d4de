// The request bodies the TME holds at once are bounded in bytes across connections
// (TME_MAX_INFLIGHT_BODY_BYTES), through the real process: 24 clients each declare an 8 MiB batch and
// send half of it, then stall. Before the budget, every one was held (≈ 100 MiB more RSS, and with the
// default 256 connections and 16 MiB batches, 4 GiB). Now the budget's worth is held, the others are
// refused with 503 at once and counted, RSS stays bounded, and the held batches, once finished, are
// accepted and kept.
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import batch from './fixtures/gatewarden-batch.json' with { type: 'json' };
import { REPO_ROOT, spawnTme } from './helpers/tme.ts';

type Json = Record<string, any>;
const MiB = 1024 * 1024;
const BUDGET = 16 * MiB;
const CLIENTS = 24;

async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

/** A batch of one marked record whose body makes the batch about `bytes` long. */
function batchOfSize(path: string, bytes: number): Buffer {
  const r = structuredClone(batch.records[0]) as Json;
  r.request.path = path;
  r.request.headers = [['content-type', 'text/plain']];
  r.response.headers = [['content-type', 'text/plain']];
  r.request.body = { data: '', encoding: 'utf8', size: 0, truncated: false };
  r.response.body = r.request.body;
  r.redacted = true;
  // Two bodies: each is at most 4 MiB.
  const half = (bytes - JSON.stringify({ records: [r] }).length) >> 1;
  const data = 'x'.repeat(half);
  r.request.body = { ...r.request.body, data, size: data.length };
  r.response.body = r.request.body;
  return Buffer.from(JSON.stringify({ records: [r] }));
}

interface Stalled {
  req: ClientRequest;
  /** Sends the rest of the body; resolves with the answer. */
  finish(): Promise<{ status: number; body: string }>;
  /** The answer, which comes before the body is sent when the request is refused. */
  early: Promise<{ status: number; body: string; retryAfter: string | undefined }>;
}

/** A POST /v1/records that declares the whole body, sends half of it and waits. */
function stalledPost(url: string, body: Buffer): Stalled {
  const req = request(`${url}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': body.length },
  });
  const answer = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  const read = async (res: IncomingMessage) => {
    let text = '';
    for await (const chunk of res) text += chunk;
    return { status: res.statusCode!, body: text, retryAfter: res.headers['retry-after'] as string | undefined };
  };
  req.write(body.subarray(0, body.length >> 1));
  const early = answer.then(read);
  return {
    req,
    early,
    finish: () => {
      req.end(body.subarray(body.length >> 1));
      return early;
    },
  };
}

test('request bodies held at once stay within TME_MAX_INFLIGHT_BODY_BYTES: 503 beyond, RSS bounded, held batches kept', async () => {
  const spoolDir = await mkdtemp(join(tmpdir(), 'tme-inflight-'));
  const tme = await spawnTme(
    {
      TME_HTTP_PORT: '0',
      TME_GRPC_PORT: '0',
      TME_SPOOL_DIR: spoolDir,
      TME_SPOOL_FSYNC: 'never',
      TME_MAX_INFLIGHT_BODY_BYTES: String(BUDGET),
      // Both held captures in one answer.
      TME_CAPTURES_RESPONSE_BYTES: String(32 * MiB),
    },
    [],
    [join(REPO_ROOT, 'build/tme-server.mjs')],
  );
  try {
    assert.ok(tme.listening, tme.stderr());
    const url = `http://127.0.0.1:${/http=\S+:(\d+)/.exec(tme.listening)![1]}`;
    const pid = tme.child.pid!;
    const baseline = await peakRssMiB(pid);
    const bodies = Array.from({ length: CLIENTS }, (_, i) => batchOfSize(`/held/${i}`, 8 * MiB - 1024));
    const stalled: Stalled[] = [];
    const posts: Stalled[] = [];
    const refused: { status: number; body: string; retryAfter: string | undefined }[] = [];
    const heldPaths: string[] = [];
    for (const [i, body] of bodies.entries()) {
      const post = stalledPost(url, body);
      posts.push(post);
      // A refusal comes at once; a held request answers only when its body is complete.
      const early = await Promise.race([post.early, new Promise<undefined>((done) => setTimeout(done, 300))]);
      if (early === undefined) {
        stalled.push(post);
        heldPaths.push(`/held/${i}`);
      } else refused.push(early);
    }
    assert.equal(stalled.length, Math.floor(BUDGET / (8 * MiB)), 'the budget holds two 8 MiB bodies');
    assert.equal(refused.length, CLIENTS - stalled.length);
    for (const answer of refused) {
      assert.equal(answer.status, 503);
      assert.match(JSON.parse(answer.body).error, /TME_MAX_INFLIGHT_BODY_BYTES/);
      assert.equal(answer.retryAfter, '1');
    }
    const grew = (await peakRssMiB(pid)) - baseline;
    console.log(`# TME peak RSS grew by ${grew.toFixed(0)} MiB with ${CLIENTS} clients of 8 MiB and a ${BUDGET / MiB} MiB budget`);
    // The held bodies and the refused ones' discarded halves passing through: not 24 x 8 MiB.
    assert.ok(grew < BUDGET / MiB + 48, `peak RSS grew by ${grew.toFixed(0)} MiB`);

    // The held batches, completed, are accepted and kept; their bytes go back to the budget.
    for (const post of stalled) {
      const answer = await post.finish();
      assert.equal(answer.status, 200, answer.body);
      assert.equal(JSON.parse(answer.body).accepted, 1);
    }
    const captures = (await (await fetch(`${url}/v1/captures?limit=10`)).json()) as { captures: Json[] };
    assert.deepEqual(captures.captures.map((c) => c.attributes['url.path']).sort(), heldPaths.sort());
    const again = await fetch(`${url}/v1/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array(bodies[5]!),
    });
    assert.equal(again.status, 200, 'the budget is free again');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, new RegExp(`^tme_request_bodies_refused_total ${refused.length}$`, 'm'));
    // The refused clients never send the rest of their bodies.
    for (const post of posts) post.req.destroy();
  } finally {
    await tme.stop();
    await rm(spoolDir, { recursive: true, force: true });
  }
});

test('the dashboard sign-in form reads its body within TME_MAX_INFLIGHT_BODY_BYTES too', async () => {
  const spoolDir = await mkdtemp(join(tmpdir(), 'tme-inflight-'));
  const adminToken = 'inflight-admin-token-0123456789';
  const tme = await spawnTme(
    {
      TME_HTTP_PORT: '0',
      TME_GRPC_PORT: '0',
      TME_SPOOL_DIR: spoolDir,
      TME_ADMIN_TOKEN: adminToken,
      TME_MAX_INFLIGHT_BODY_BYTES: '1024',
    },
    [],
    [join(REPO_ROOT, 'build/tme-server.mjs')],
  );
  const signIn = () =>
    fetch(`${url}/ui/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${adminToken}`,
      redirect: 'manual',
    });
  let url = '';
  let held: Stalled | undefined;
  try {
    assert.ok(tme.listening, tme.stderr());
    url = `http://127.0.0.1:${/http=\S+:(\d+)/.exec(tme.listening)![1]}`;
    // The whole budget, declared and half sent.
    held = stalledPost(url, Buffer.alloc(1024, 0x20));
    // Destroyed below, never answered.
    held.early.catch(() => {});
    await new Promise((done) => setTimeout(done, 200));
    const refused = await signIn();
    assert.equal(refused.status, 503, 'a sign-in body is refused while the budget is held');
    assert.match(((await refused.json()) as { error: string }).error, /TME_MAX_INFLIGHT_BODY_BYTES/);
    held.req.destroy();
    await new Promise((done) => setTimeout(done, 200));
    const accepted = await signIn();
    assert.equal(accepted.status, 303, 'and accepted once the budget is free');
  } finally {
    held?.req.destroy();
    await tme.stop();
    await rm(spoolDir, { recursive: true, force: true });
  }
});
