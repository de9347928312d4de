// The synchronous check: the filter asks the TME for a verdict on matching requests, waits at most
// requestHandleTimeout, and fails open or closed as allowFailureMode says, counting either way.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type Server, type RequestListener } from "node:http";
import { CaptureStack, FAST_REPORTS } from "../helpers/stack.ts";

const TOKEN = "test-admin-token-0123456789";
const stacks: CaptureStack[] = [];

after(async () => {
  for (const s of stacks) await s.stop();
});

async function stackWith(allowFailureMode: boolean): Promise<CaptureStack> {
  const stack = await CaptureStack.start({
    tmeEnv: { TME_ADMIN_TOKEN: TOKEN },
    pluginConfig: {
      ...FAST_REPORTS,
      allowFailureMode,
      requestHandleTimeout: "300ms",
      // Only the check sees the TME's deny list here: the filter does not poll it.
      enforcement: { refreshInterval: 0 },
      policy: {
        detection: false,
        syncCheck: { match: { path: { prefix: "/checked" } }, includeBody: true },
      },
    },
  });
  stacks.push(stack);
  return stack;
}

async function impostor(stack: CaptureStack, handler: RequestListener): Promise<Server> {
  await stack.stopTme();
  const server = createServer(handler);
  await new Promise<void>((res) => server.listen(stack.tmePort, "127.0.0.1", () => res()));
  return server;
}

async function closeImpostor(stack: CaptureStack, server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((res) => server.close(() => res()));
  await stack.startTme();
}

async function counter(stack: CaptureStack, name: string): Promise<number> {
  return (await stack.stats()).get(name) ?? 0;
}

test("fail-open stack: the TME decides, and when it is down, slow or failing the request goes through", async () => {
  const stack = await stackWith(true);
  assert.equal((await stack.sendHttp("/checked/a")).status, 200);
  assert.equal((await stack.sendHttp("/unchecked")).status, 200);

  // The TME's verdict applies: a denied key is blocked through the check.
  const add = await fetch(stack.tme!.url + "/v1/admin/denylist", {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ key: "k-1", ttlSeconds: 60 }),
  });
  assert.equal(add.status, 200);
  const blocked = await stack.sendHttp("/checked/a", { headers: { "x-api-key": "k-1" } });
  assert.equal(blocked.status, 403);
  assert.equal(stack.upstream.seen.get(blocked.testId), undefined);
  assert.equal((await stack.sendHttp("/unchecked", { headers: { "x-api-key": "k-1" } })).status, 200);

  // Down.
  await stack.stopTme();
  let failOpen = await counter(stack, "gatewarden_check_fail_open_total");
  const down = await stack.sendHttp("/checked/a");
  assert.equal(down.status, 200);
  assert.equal(stack.upstream.seen.get(down.testId), 1);
  assert.equal(await counter(stack, "gatewarden_check_fail_open_total"), failOpen + 1);
  await stack.startTme();

  // Answering 500.
  let server = await impostor(stack, (req, res) => {
    req.resume();
    res.writeHead(500).end();
  });
  failOpen = await counter(stack, "gatewarden_check_fail_open_total");
  assert.equal((await stack.sendHttp("/checked/a")).status, 200);
  assert.equal(await counter(stack, "gatewarden_check_fail_open_total"), failOpen + 1);
  await closeImpostor(stack, server);

  // Slower than requestHandleTimeout.
  server = await impostor(stack, () => {});
  const started = Date.now();
  assert.equal((await stack.sendHttp("/checked/a")).status, 200);
  const waited = Date.now() - started;
  assert.ok(waited >= 250 && waited < 3000, `waited ${waited} ms for a 300 ms timeout`);
  assert.ok((await counter(stack, "gatewarden_check_failures_total")) >= 3);
  await closeImpostor(stack, server);
});

test("the check carries the buffered body, and a block answer sets the reply", async () => {
  const stack = stacks[0] ?? (await stackWith(true));
  let seenBody = "";
  const server = await impostor(stack, (req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      // Report batches retried from the earlier outages may arrive here too: only the check is answered with a verdict.
      if (req.url !== "/v1/check") {
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
        return;
      }
      seenBody = (JSON.parse(text) as { request: { body?: { data: string } } }).request.body?.data ?? "";
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ action: "block", rule: "tme-model", category: "sqli", message: "Denied by the TME" }));
    });
  });
  try {
    const r = await stack.sendHttp("/checked/body", { method: "POST", headers: { "content-type": "application/json" }, body: '{"q":"x"}' });
    assert.equal(r.status, 403);
    assert.equal(r.body, "Denied by the TME");
    assert.equal(seenBody, '{"q":"x"}');
    assert.equal(stack.upstream.seen.get(r.testId), undefined);
  } finally {
    await closeImpostor(stack, server);
  }
});

test("a check answer for a client that already left does not break the filter", async () => {
  const stack = stacks[0] ?? (await stackWith(true));
  const server = await impostor(stack, (req, res) => {
    req.resume();
    setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end('{"action":"allow"}'), 150);
  });
  try {
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolveAbort) => {
        const req = httpRequest(stack.envoy.url + "/checked/gone", { agent: false });
        req.on("error", () => resolveAbort());
        req.end();
        setTimeout(() => {
          req.destroy();
          resolveAbort();
        }, 40);
      });
    }
    await new Promise((r) => setTimeout(r, 400));
  } finally {
    await closeImpostor(stack, server);
  }
  // The VM still runs: requests are captured, not just let through by the fail-open policy.
  const after = await stack.sendHttp("/unchecked/after-gone");
  assert.equal(after.status, 200);
  await stack.captureOf(after.testId);
  assert.doesNotMatch(stack.envoy.output(), /Uncaught RuntimeError/);
});

test("fail-closed stack: a down, failing or slow TME refuses the checked request with 503", async () => {
  const stack = await stackWith(false);
  assert.equal((await stack.sendHttp("/checked/a")).status, 200);
  await stack.stopTme();
  const down = await stack.sendHttp("/checked/a");
  assert.equal(down.status, 503);
  assert.equal(stack.upstream.seen.get(down.testId), undefined);
  assert.equal((await stack.sendHttp("/unchecked")).status, 200, "requests the policy does not check are unaffected");
  await stack.startTme();

  let server = await impostor(stack, (req, res) => {
    req.resume();
    res.writeHead(500).end();
  });
  assert.equal((await stack.sendHttp("/checked/a")).status, 503);
  await closeImpostor(stack, server);

  server = await impostor(stack, () => {});
  assert.equal((await stack.sendHttp("/checked/a")).status, 503);
  await closeImpostor(stack, server);
  assert.ok((await counter(stack, "gatewarden_check_fail_closed_total")) >= 3);
});

test("a check sent from the headers holds the body too; once allowed, the whole body goes upstream and into the capture", async () => {
  const stack = await CaptureStack.start({
    pluginConfig: {
      ...FAST_REPORTS,
      requestHandleTimeout: "3s",
      enforcement: { refreshInterval: 0 },
      // No includeBody: the check leaves from the request headers, before the body arrives.
      policy: { detection: false, syncCheck: { match: { path: { prefix: "/checked" } } } },
    },
  });
  stacks.push(stack);
  const startedBefore = stack.upstream.started.size;
  let startedWhileWaiting = -1;
  const batches: string[] = [];
  const server = await impostor(stack, (req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      if (req.url === "/v1/check") {
        // Envoy (allow_on_headers_stop_iteration) delivers the body to the filter meanwhile: it must wait.
        setTimeout(() => {
          startedWhileWaiting = stack.upstream.started.size;
          res.writeHead(200, { "content-type": "application/json" }).end('{"action":"allow"}');
        }, 400);
        return;
      }
      batches.push(text);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  try {
    const body = JSON.stringify({ pad: "z".repeat(200_000) });
    const r = await stack.sendHttp("/checked/upload", { method: "POST", headers: { "content-type": "application/json" }, body });
    assert.equal(r.status, 200);
    assert.equal(startedWhileWaiting, startedBefore, "nothing reached the upstream before the answer");
    assert.equal(stack.upstream.seen.get(r.testId), 1);
    assert.equal((JSON.parse(r.body) as { body: string }).body, body, "the upstream got the whole body");
    const record = await waitForRecord(batches, r.testId);
    const captured = record.request.body!;
    assert.equal(captured.size, Buffer.byteLength(body));
    assert.equal(captured.truncated, true);
    assert.equal(captured.data, body.slice(0, 131072));
  } finally {
    await closeImpostor(stack, server);
  }
});

interface WireRecord {
  request: { headers: Array<[string, string]>; body?: { data: string; size: number; truncated: boolean } };
}

async function waitForRecord(batches: string[], testId: string): Promise<WireRecord> {
  for (let i = 0; i < 100; i++) {
    for (const text of batches) {
      const records = (JSON.parse(text) as { records: WireRecord[] }).records;
      const hit = records.find((rec) => rec.request.headers.some(([k, v]) => k === "x-test-id" && v === testId));
      if (hit) return hit;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no record for ${testId} among ${batches.length} batches`);
}
