// ext_proc mode: a real Envoy streams each exchange to the TME's ExternalProcessor, which captures it
// under every processing mode Envoy offers. One TME and upstream; one Envoy per set of modes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:http2";
import { ExtStack, type Gateway } from "../helpers/ext-stack.ts";
import type { Capture } from "../helpers/stack.ts";

const LIMIT = 1024;
let stack: ExtStack;

before(async () => {
  stack = await ExtStack.start({ tmeEnv: { TME_BODY_CAPTURE_SIZE: String(LIMIT) } });
});
after(async () => {
  await stack?.stop();
});

function bodyBytes(c: Capture, side: "request" | "response"): Buffer {
  const data = c.attributes[`http.${side}.body`] as string;
  return Buffer.from(data, c.attributes[`http.${side}.body.encoding`] === "base64" ? "base64" : "utf8");
}

const BODY_MODES = ["BUFFERED", "STREAMED", "BUFFERED_PARTIAL"] as const;

for (const mode of BODY_MODES) {
  test(`${mode} bodies: both bodies captured up to the capture size, sizes and truncation exact`, async () => {
    const g = await stack.extProc({ requestBodyMode: mode, responseBodyMode: mode, messageTimeout: "2s" });
    const small = JSON.stringify({ order: { sku: "A-1", qty: 2 }, note: "naïve café ✓" });
    const s = await g.send("/api/orders?id=7&q=a%20b", {
      method: "POST",
      headers: { "content-type": "application/json", "x-custom": "v1" },
      body: small,
    });
    assert.equal(s.response.status, 200);
    const c = await stack.captureOf(s.testId);
    const a = c.attributes;
    assert.equal(a["http.request.method"], "POST");
    assert.equal(a["url.path"], "/api/orders");
    assert.equal(a["url.query"], "id=7&q=a%20b");
    assert.equal(a["client.address"], "127.0.0.1");
    assert.equal(typeof a["client.port"], "number");
    assert.equal(a["network.protocol.version"], "1.1");
    assert.deepEqual(a["http.request.header.x-custom"], ["v1"]);
    assert.equal(a["http.request.body"], small);
    assert.equal(a["http.request.body.size"], Buffer.byteLength(small));
    assert.equal(a["http.request.body.truncated"], false);
    assert.equal(bodyBytes(c, "response").toString(), s.body.toString());
    assert.deepEqual(a["http.response.header.x-upstream"], ["echo"]);
    const requestId = (a["http.request.header.x-request-id"] as string[])[0];
    assert.equal(a["gatewarden.request.id"], requestId);
    assert.equal(a["gatewarden.service.name"], "istio");
    assert.equal(a["gatewarden.module.version"], "0.1.0");

    const big = JSON.stringify({ pad: "y".repeat(5000) });
    const b = await g.send("/json/3000", { method: "POST", headers: { "content-type": "application/json" }, body: big });
    assert.equal(b.response.status, 200);
    const cb = await stack.captureOf(b.testId);
    assert.deepEqual(bodyBytes(cb, "request"), Buffer.from(big).subarray(0, LIMIT));
    assert.equal(cb.attributes["http.request.body.size"], Buffer.byteLength(big));
    assert.equal(cb.attributes["http.request.body.truncated"], true);
    assert.equal(bodyBytes(cb, "response").length, LIMIT);
    assert.equal(cb.attributes["http.response.body.size"], 3000);
    assert.equal(cb.attributes["http.response.body.truncated"], true);
  });
}

test("NONE bodies: headers, status and client captured; no body is claimed", async () => {
  const g = await stack.extProc({ requestBodyMode: "NONE", responseBodyMode: "NONE", messageTimeout: "2s" });
  const s = await g.send("/api/x", { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
  assert.equal(s.response.status, 200);
  const c = await stack.captureOf(s.testId);
  assert.equal(c.attributes["url.path"], "/api/x");
  assert.equal(c.attributes["http.response.status_code"], 200);
  assert.equal(c.attributes["client.address"], "127.0.0.1");
  assert.equal(c.attributes["http.request.body"], undefined);
  assert.equal(c.attributes["http.response.body"], undefined);
});

test("a body far larger than the capture size streams through STREAMED mode whole; the TME keeps the first bytes", async () => {
  const g = await stack.extProc({ requestBodyMode: "STREAMED", responseBodyMode: "STREAMED", messageTimeout: "2s" });
  const size = 8 * 1024 * 1024;
  const sent = JSON.stringify({ pad: "z".repeat(size - 10) });
  const { testId, response, body } = await g.send("/big", { method: "POST", headers: { "content-type": "application/json" }, body: sent });
  assert.equal(response.status, 200);
  assert.equal((JSON.parse(body.toString()) as { body: string }).body.length, sent.length);
  const c = await stack.captureOf(testId);
  assert.equal(c.attributes["http.request.body.size"], sent.length);
  assert.deepEqual(bodyBytes(c, "request"), Buffer.from(sent).subarray(0, LIMIT));
  assert.equal(c.attributes["http.response.body.size"], body.length);
  assert.equal(bodyBytes(c, "response").length, LIMIT);
});

test("BUFFERED_PARTIAL: a body beyond Envoy's buffer limit flows on; its size still comes from content-length", async () => {
  const g = await stack.extProc({ requestBodyMode: "BUFFERED_PARTIAL", responseBodyMode: "NONE", messageTimeout: "2s" });
  const sent = JSON.stringify({ pad: "q".repeat(3 * 1024 * 1024) });
  const { testId, response, body } = await g.send("/partial", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: sent,
  });
  assert.equal(response.status, 200);
  assert.equal((JSON.parse(body.toString()) as { body: string }).body.length, sent.length);
  const c = await stack.captureOf(testId);
  assert.equal(c.attributes["http.request.body.size"], sent.length);
  assert.equal(c.attributes["http.request.body.truncated"], true);
  assert.deepEqual(bodyBytes(c, "request"), Buffer.from(sent).subarray(0, LIMIT));
});

test("a gRPC exchange through the gateway: request message, grpc-status from the trailers, HTTP/2", async () => {
  const g = await stack.extProc({
    requestBodyMode: "STREAMED",
    responseBodyMode: "STREAMED",
    requestTrailerMode: "SEND",
    responseTrailerMode: "SEND",
    messageTimeout: "2s",
  });
  const session = connect(g.url);
  try {
    const message = Buffer.from("hello grpc");
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    const testId = `grpc-${Date.now()}`;
    const req = session.request({
      ":method": "POST",
      ":path": "/demo.Echo/Say",
      "content-type": "application/grpc",
      te: "trailers",
      "x-grpc-status": "5",
      "x-test-id": testId,
    });
    const trailers = new Promise<Record<string, unknown>>((res) => req.on("trailers", (t) => res(t)));
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.end(frame);
    assert.equal((await trailers)["grpc-status"], "5");
    assert.deepEqual(Buffer.concat(chunks), frame);
    const c = await stack.captureOf(testId);
    assert.equal(c.attributes["rpc.grpc.status_code"], 5);
    assert.equal(c.attributes["network.protocol.version"], "2");
    assert.deepEqual(bodyBytes(c, "request"), frame);
    assert.deepEqual(bodyBytes(c, "response"), frame);
    assert.deepEqual(c.attributes["http.response.trailer.grpc-status"], ["5"]);
  } finally {
    session.close();
  }
});

async function messagesFor(g: Gateway, path: string): Promise<{ sent: number; testId: string; body: Buffer }> {
  const before = await g.stat("ext_proc.stream_msgs_sent");
  const s = await g.send(path);
  assert.equal(s.response.status, 200);
  await stack.captureOf(s.testId);
  return { sent: (await g.stat("ext_proc.stream_msgs_sent")) - before, testId: s.testId, body: s.body };
}

test("mode override: with allow_mode_override, Envoy skips a response body the TME will not capture", async () => {
  const modes = { requestBodyMode: "BUFFERED", responseBodyMode: "STREAMED", messageTimeout: "2s" } as const;
  const overriding = await stack.extProc({ ...modes, allowModeOverride: true });
  const plain = await stack.extProc({ ...modes, allowModeOverride: false });
  // application/octet-stream is not a captured content type.
  const skipped = await messagesFor(overriding, "/bytes/300000");
  assert.equal(skipped.body.length, 300000);
  assert.equal(skipped.sent, 2, "request headers and response headers only");
  const streamed = await messagesFor(plain, "/bytes/300000");
  assert.ok(streamed.sent > 2, `without the override the body is streamed (${streamed.sent} messages)`);
  const c = await stack.captureOf(skipped.testId);
  assert.deepEqual(c.attributes["http.response.header.content-type"], ["application/octet-stream"]);
  assert.equal(c.attributes["http.response.body"], undefined);
  // A captured content type is not skipped.
  const json = await messagesFor(overriding, "/json/100");
  assert.ok(json.sent >= 3);
  assert.equal(bodyBytes(await stack.captureOf(json.testId), "response").length, 100);
});

test("thousands of ext_proc streams on one Envoy: none fails, the gRPC connection is recycled before the TME's reset budget runs out", async () => {
  const g = await stack.extProc({ requestBodyMode: "BUFFERED", responseBodyMode: "BUFFERED", messageTimeout: "2s" });
  const total = 2500;
  let next = 0;
  const statuses = new Map<number, number>();
  // 16 clients in parallel, as a busy gateway would multiplex them onto the TME connection.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        next++;
        const r = await fetch(`${g.url}/json/64`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
        await r.arrayBuffer();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    }),
  );
  assert.deepEqual([...statuses], [[200, total]]);
  assert.equal(await g.stat("ext_proc.streams_failed"), 0);
  assert.equal(await g.stat("gatewarden_tme_grpc.upstream_cx_close_notify"), 0, "the TME sent no GOAWAY");
  assert.ok((await g.stat("gatewarden_tme_grpc.upstream_cx_max_requests")) >= 2, "Envoy opened fresh connections");
});
