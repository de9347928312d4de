// A stream's lifecycle in the filter (filter/assembly/lifecycle.ts), driven through the proxy-wasm ABI
// of the in-process host (host/proxy-wasm/host.ts) on the compiled build/gatewarden.wasm: request
// headers, a held body, the synchronous check going out, its answer arriving later, the stream reset.
// Each test asserts what the module asked of the host — the status of each callback, the calls it
// dispatched, the streams it continued, the local replies it sent. The same paths through real Envoy
// are in test/e2e/sync-check.test.ts and test/e2e/detection.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FilterDataStatus, FilterHeadersStatus, ProxyWasmHost, serializeHeaders, type HttpCall } from "../../host/proxy-wasm/host.ts";
import { WASM_PATH } from "../../host/devstack/paths.ts";

const CHECKED = { match: { path: { prefix: "/checked" } }, includeBody: true };

function startHost(plugin: Record<string, unknown>): ProxyWasmHost {
  let clock = 1_000_000_000n;
  const host = new ProxyWasmHost({
    wasm: WASM_PATH,
    configuration: JSON.stringify({ enforcement: { refreshInterval: 0, holdHeadersForBody: true }, ...plugin }),
    now: () => (clock += 1_000_000n),
  });
  assert.ok(host.start(), host.logs.map((l) => l.message).join("\n"));
  return host;
}

function openPost(host: ProxyWasmHost, id: number, path: string, body: string): void {
  host.open(id, {
    requestHeaders: serializeHeaders([
      [":method", "POST"],
      [":path", path],
      [":authority", "api"],
      [":scheme", "http"],
      ["content-type", "application/json"],
      ["content-length", String(Buffer.byteLength(body))],
      ["x-request-id", `req-${id}`],
    ]),
    responseHeaders: serializeHeaders([[":status", "200"]]),
  });
}

const bytes = (s: string) => new TextEncoder().encode(s);

/** The one check the module has out: to the TME's cluster, on the check path, for stream `id`. */
function theCheck(host: ProxyWasmHost, id: number): HttpCall {
  const checks = host.pendingCalls.filter((c) => c.headers.some(([n, v]) => n === ":path" && v === "/v1/check"));
  assert.equal(checks.length, 1, "one check out");
  assert.equal(checks[0].cluster, "gatewarden_tme");
  assert.equal(checks[0].context, id, "dispatched from the stream's callback");
  return checks[0];
}

test("held body, then the check with it; an allow answer continues the waiting stream", () => {
  const host = startHost({ policy: { detection: false, syncCheck: CHECKED } });
  openPost(host, 2, "/checked/orders", '{"item":"book","qty":2}');
  assert.equal(host.requestHeaders(2, false), FilterHeadersStatus.StopIteration, "headers wait for the body");
  assert.equal(host.requestBody(2, bytes('{"item":"book",'), false), FilterDataStatus.StopIterationAndBuffer);
  assert.equal(host.pendingCalls.length, 0, "no check before the body ends");
  assert.equal(host.requestBody(2, bytes('"qty":2}'), true), FilterDataStatus.StopIterationAndBuffer, "the body waits for the answer");

  const check = theCheck(host, 2);
  const sent = JSON.parse(check.body.toString());
  assert.equal(sent.request.path, "/checked/orders");
  assert.match(JSON.stringify(sent.request.body), /qty/, "the check carries the buffered body, both chunks");
  assert.deepEqual(host.continued, []);

  host.answer(check, 200, JSON.stringify({ action: "allow" }));
  assert.deepEqual(host.continued, [{ context: 2, stream: 0 }], "the request continues, on its own stream");
  assert.deepEqual(host.localReplies, []);
  assert.equal(host.responseHeaders(2, true), FilterHeadersStatus.Continue);
  host.close(2);
});

test("a block answer sends the local reply on the waiting stream, and the request goes no further", () => {
  const host = startHost({ policy: { detection: false, syncCheck: CHECKED } });
  openPost(host, 2, "/checked/pay", '{"card":"x"}');
  host.requestHeaders(2, false);
  host.requestBody(2, bytes('{"card":"x"}'), true);
  host.answer(theCheck(host, 2), 200, JSON.stringify({ action: "block", message: "denied by the TME" }));

  assert.equal(host.localReplies.length, 1);
  const reply = host.localReplies[0];
  assert.equal(reply.context, 2);
  assert.equal(reply.status, 403);
  assert.equal(reply.details, "gatewarden_blocked");
  assert.ok(reply.headers.some(([n, v]) => n === "x-request-id" && v === "req-2"));
  assert.deepEqual(host.continued, [], "a blocked request is not continued");
  host.close(2);
});

test("more body after the check went out waits with the request for the answer", () => {
  // The body fills the capture buffer before it ends: the check goes out with what was held, and the
  // rest of the body must not let the request through before the answer.
  const host = startHost({ bodyCaptureSize: 32, policy: { detection: false, syncCheck: CHECKED } });
  const body = `{"blob":"${"a".repeat(60)}"}`;
  openPost(host, 2, "/checked/upload", body);
  host.requestHeaders(2, false);
  assert.equal(host.requestBody(2, bytes(body.slice(0, 40)), false), FilterDataStatus.StopIterationAndBuffer);
  theCheck(host, 2);
  assert.equal(host.requestBody(2, bytes(body.slice(40)), true), FilterDataStatus.StopIterationAndBuffer, "still waiting");
  assert.deepEqual(host.continued, []);
  host.answer(theCheck(host, 2), 200, JSON.stringify({ action: "allow" }));
  assert.deepEqual(host.continued, [{ context: 2, stream: 0 }]);
  host.close(2);
});

test("a check from the headers stops them; a failed call fails open, or closed with the failure status", () => {
  for (const allowFailureMode of [true, false]) {
    const host = startHost({ allowFailureMode, policy: { detection: false, syncCheck: { match: { path: { prefix: "/checked" } } } } });
    host.open(2, {
      requestHeaders: serializeHeaders([
        [":method", "GET"],
        [":path", "/checked/a"],
        [":authority", "api"],
        [":scheme", "http"],
      ]),
    });
    assert.equal(host.requestHeaders(2, true), FilterHeadersStatus.StopIteration);
    host.fail(theCheck(host, 2));
    assert.equal(host.metric("gatewarden_check_failures_total"), 1n);
    if (allowFailureMode) {
      assert.deepEqual(host.continued, [{ context: 2, stream: 0 }]);
      assert.deepEqual(host.localReplies, []);
    } else {
      assert.deepEqual(host.continued, []);
      assert.deepEqual(
        host.localReplies.map((r) => [r.context, r.status, r.details]),
        [[2, 503, "gatewarden_check_failed"]],
      );
    }
    host.close(2);
  }
});

test("a body blocked by detection while held gets the local reply; later body callbacks are dropped", () => {
  const host = startHost({ policy: { detection: { action: "block" } } });
  const attack = `{"q":"1' OR '1'='1' UNION SELECT password FROM users --"}`;
  openPost(host, 2, "/search", attack);
  assert.equal(host.requestHeaders(2, false), FilterHeadersStatus.StopIteration);
  assert.equal(host.requestBody(2, bytes(attack), true), FilterDataStatus.StopIterationNoBuffer);
  assert.deepEqual(
    host.localReplies.map((r) => [r.context, r.status]),
    [[2, 403]],
  );
  assert.equal(host.requestBody(2, bytes("more"), true), FilterDataStatus.StopIterationNoBuffer);
  assert.equal(host.pendingCalls.length, 0, "no check for a request already refused");
  host.close(2);
});

test("a check answered after its stream was reset touches nothing, and the worker goes on", () => {
  const host = startHost({ policy: { detection: false, syncCheck: CHECKED } });
  openPost(host, 2, "/checked/slow", '{"a":1}');
  host.requestHeaders(2, false);
  host.requestBody(2, bytes('{"a":1}'), true);
  const check = theCheck(host, 2);
  // The client leaves while the check is out: Envoy resets the stream (done, log, delete).
  host.close(2);
  host.answer(check, 200, JSON.stringify({ action: "block" }));
  assert.deepEqual(host.localReplies, [], "no reply for a stream that is gone");
  assert.deepEqual(host.continued, [], "nothing continued");

  // A timeout after a reset is as harmless, and the next stream is served as usual.
  openPost(host, 3, "/checked/next", '{"b":2}');
  host.requestHeaders(3, false);
  host.requestBody(3, bytes('{"b":2}'), true);
  const next = theCheck(host, 3);
  host.close(3);
  host.fail(next);
  assert.deepEqual([host.localReplies, host.continued], [[], []]);
  openPost(host, 4, "/checked/after", '{"c":3}');
  host.requestHeaders(4, false);
  host.requestBody(4, bytes('{"c":3}'), true);
  host.answer(theCheck(host, 4), 200, JSON.stringify({ action: "allow" }));
  assert.deepEqual(host.continued, [{ context: 4, stream: 0 }]);
  host.close(4);
});
