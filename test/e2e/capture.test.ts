// The compiled filter inside a real Envoy, reporting to the real TME: what is captured, exactly.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:http2";
import { CaptureStack, FAST_REPORTS, type Capture } from "../helpers/stack.ts";

const LIMIT = 1024;
let stack: CaptureStack;

before(async () => {
  stack = await CaptureStack.start({
    pluginConfig: {
      ...FAST_REPORTS,
      bodyCaptureSize: LIMIT,
      allowedContentTypes: ["json", "x-www-form-urlencoded", "grpc", "octet-stream"],
    },
  });
});
after(async () => {
  await stack?.stop();
});

function bodyBytes(c: Capture, side: "request" | "response"): Buffer {
  const data = c.attributes[`http.${side}.body`] as string;
  return Buffer.from(data, c.attributes[`http.${side}.body.encoding`] === "base64" ? "base64" : "utf8");
}

test("a JSON POST is captured with exact method, path, query, status, headers and both bodies", async () => {
  const sent = JSON.stringify({ order: { sku: "A-1", qty: 2 }, note: "naïve café ✓" });
  const { testId, response, body } = await stack.send("/api/orders?id=7&q=a%20b", {
    method: "POST",
    headers: { "content-type": "application/json", "x-custom": "v1" },
    body: sent,
  });
  assert.equal(response.status, 200);
  const c = await stack.captureOf(testId);
  const a = c.attributes;
  assert.equal(a["http.request.method"], "POST");
  assert.equal(a["url.path"], "/api/orders");
  assert.equal(a["url.query"], "id=7&q=a%20b");
  assert.equal(a["url.scheme"], "http");
  assert.equal(a["http.response.status_code"], 200);
  assert.equal(a["network.protocol.version"], "1.1");
  assert.equal(a["client.address"], "127.0.0.1");
  assert.equal(typeof a["client.port"], "number");
  assert.deepEqual(a["http.request.header.content-type"], ["application/json"]);
  assert.deepEqual(a["http.request.header.x-custom"], ["v1"]);
  assert.deepEqual(a["http.response.header.x-upstream"], ["echo"]);
  assert.deepEqual(a["http.response.header.content-type"], ["application/json"]);
  assert.equal(a["http.request.body"], sent);
  assert.equal(a["http.request.body.encoding"], "utf8");
  assert.equal(a["http.request.body.truncated"], false);
  assert.equal(a["http.request.body.size"], Buffer.byteLength(sent));
  assert.equal(bodyBytes(c, "response").toString("utf8"), body.toString("utf8"));
  assert.equal(a["http.response.body.truncated"], false);
  const requestId = (a["http.request.header.x-request-id"] as string[])[0];
  assert.match(requestId, /^[0-9a-f-]{36}$/);
  assert.equal(a["gatewarden.request.id"], requestId);
  assert.equal(a["gatewarden.module.version"], "0.1.0");
  assert.equal(a["gatewarden.service.name"], "istio");
});

test("bodies larger than bodyCaptureSize are cut at exactly that many bytes and flagged", async () => {
  const sent = JSON.stringify({ pad: "y".repeat(5000) });
  const { testId, response } = await stack.send("/json/3000", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: sent,
  });
  assert.equal(response.status, 200);
  const c = await stack.captureOf(testId);
  const req = bodyBytes(c, "request");
  assert.equal(req.length, LIMIT);
  assert.deepEqual(req, Buffer.from(sent).subarray(0, LIMIT));
  assert.equal(c.attributes["http.request.body.truncated"], true);
  assert.equal(c.attributes["http.request.body.size"], Buffer.byteLength(sent));
  const res = bodyBytes(c, "response");
  assert.equal(res.length, LIMIT);
  assert.equal(c.attributes["http.response.body.truncated"], true);
  assert.equal(c.attributes["http.response.body.size"], 3000);
});

test("a content type that is not allowed keeps the headers and drops the body", async () => {
  const { testId, response } = await stack.send("/plain", { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" });
  assert.equal(response.status, 200);
  const c = await stack.captureOf(testId);
  assert.deepEqual(c.attributes["http.request.header.content-type"], ["text/plain"]);
  assert.equal(c.attributes["http.request.body"], undefined);
  assert.equal(c.attributes["http.request.body.size"], undefined);
  // The echo answers JSON, which is allowed.
  assert.equal(typeof c.attributes["http.response.body"], "string");
});

test("a binary body round-trips base64-encoded, in both directions", async () => {
  const sent = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) sent[i] = i;
  const { testId, response, body } = await stack.send("/bytes/300", {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: sent,
  });
  assert.equal(response.status, 200);
  const c = await stack.captureOf(testId);
  assert.equal(c.attributes["http.request.body.encoding"], "base64");
  assert.deepEqual(bodyBytes(c, "request"), sent);
  assert.equal(c.attributes["http.response.body.encoding"], "base64");
  assert.deepEqual(bodyBytes(c, "response"), body);
});

test("a body far larger than the capture limit streams through untouched", async () => {
  const size = 8 * 1024 * 1024;
  const sent = JSON.stringify({ pad: "z".repeat(size - 10) });
  const { testId, response, body } = await stack.send("/big", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: sent,
  });
  assert.equal(response.status, 200);
  assert.equal((JSON.parse(body.toString()) as { body: string }).body.length, sent.length);
  const c = await stack.captureOf(testId);
  assert.equal(c.attributes["http.request.body.size"], sent.length);
  assert.equal(bodyBytes(c, "request").length, LIMIT);
});

test("a gRPC exchange records grpc-status from the trailers", async () => {
  const session = connect(stack.envoy.url);
  try {
    const message = Buffer.from("hello grpc");
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    const testId = "grpc-" + Date.now();
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
    const c = await stack.captureOf(testId);
    assert.equal(c.attributes["rpc.grpc.status_code"], 5);
    assert.equal(c.attributes["network.protocol.version"], "2");
    assert.deepEqual(bodyBytes(c, "request"), frame);
    assert.deepEqual(c.attributes["http.response.trailer.grpc-status"], ["5"]);
  } finally {
    session.close();
  }
});

test("a non-numeric grpc-status is kept as a trailer and the exchange is still captured", async () => {
  // The TME refuses a record whose grpc_status is not digits, and a refusal is final: an upstream
  // answering `grpc-status: x` would hide its exchanges from the capture.
  const session = connect(stack.envoy.url);
  try {
    const message = Buffer.from("hello grpc");
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    const testId = "grpc-odd-" + Date.now();
    const req = session.request({
      ":method": "POST",
      ":path": "/demo.Echo/Say",
      "content-type": "application/grpc",
      te: "trailers",
      "x-grpc-status": "x",
      "x-test-id": testId,
    });
    const trailers = new Promise<Record<string, unknown>>((res) => req.on("trailers", (t) => res(t)));
    req.on("data", () => {});
    req.end(frame);
    assert.equal((await trailers)["grpc-status"], "x");
    const c = await stack.captureOf(testId);
    assert.equal(c.attributes["rpc.grpc.status_code"], undefined);
    assert.deepEqual(c.attributes["http.response.trailer.grpc-status"], ["x"]);
  } finally {
    session.close();
  }
});

test("the filter states its batches' framing, which the TME checks instead of scanning the batch", async () => {
  const { testId } = await stack.send("/api/stated", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"a":"\\"x\\""}',
  });
  await stack.captureOf(testId);
  const metrics = await (await stack.tmeGet("/metrics")).text();
  assert.match(metrics, /^tme_batches_received_total\{framing="stated"\} [1-9]/m);
  assert.match(metrics, /^tme_batches_received_total\{framing="scanned"\} 0$/m);
  const spooled = stack.spooledRecords().find((r) => r.record.request.headers.some(([, v]: string[]) => v === testId));
  assert.equal(spooled?.record.request.body.data, '{"a":"\\"x\\""}');
});

test("the filter's metrics appear in Envoy's /stats/prometheus", async () => {
  const stats = await stack.stats();
  for (const name of [
    "gatewarden_captured_total",
    "gatewarden_reported_total",
    "gatewarden_dropped_total",
    "gatewarden_report_failures_total",
  ]) {
    assert.ok(stats.has(name), `${name} missing from /stats/prometheus`);
  }
  assert.ok(stats.get("gatewarden_captured_total")! >= 6);
  assert.ok(stats.get("gatewarden_reported_total")! >= 6);
  assert.ok(stats.get("gatewarden_bodies_truncated_total")! >= 3);
  assert.equal(stats.get("gatewarden_dropped_total"), 0);
});
