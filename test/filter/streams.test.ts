// The module's own stream dispatch (filter/assembly/host/streams.ts), run in-process: the compiled
// build/gatewarden.wasm in the proxy-wasm host of host/proxy-wasm/host.ts. Envoy interleaves the
// callbacks of concurrent streams; each must reach its own context, and a callback for a stream the
// module does not know (deleted, never created) must not trap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, serializeHeaders } from "../../host/proxy-wasm/host.ts";
import { WASM_PATH } from "../../host/devstack/paths.ts";

test("interleaved streams each reach their own context, and unknown streams are inert", () => {
  let clock = 1_000_000_000n;
  const host = new ProxyWasmHost({
    wasm: WASM_PATH,
    configuration: JSON.stringify({ policy: { detection: false }, enforcement: { refreshInterval: 0 }, report: { flushInterval: "10ms" } }),
    now: () => clock,
  });
  assert.ok(host.start(), host.logs.map((l) => l.message).join("\n"));
  const open = (id: number, requestId: string, status: string) =>
    host.open(id, {
      requestHeaders: serializeHeaders([
        [":method", "GET"],
        [":path", `/s/${requestId}`],
        [":authority", "a"],
        [":scheme", "http"],
        ["x-request-id", requestId],
      ]),
      responseHeaders: serializeHeaders([[":status", status]]),
    });
  open(2, "first", "201");
  open(3, "second", "404");
  // Request headers of both, then the answers in the other order, then both ends.
  assert.equal(host.requestHeaders(2, true), 0);
  assert.equal(host.requestHeaders(3, true), 0);
  assert.equal(host.responseHeaders(3, true), 0);
  assert.equal(host.responseHeaders(2, true), 0);
  host.close(3);
  host.close(2);
  // Callbacks for streams that are gone or never were: no trap, and nothing recorded for them.
  assert.equal(host.on(2, "proxy_on_request_headers", 5, 1), 0);
  assert.equal(host.on(99, "proxy_on_response_body", 10, 1), 0);
  host.on(99, "proxy_on_log");
  host.on(99, "proxy_on_delete");
  clock += 20_000_000n;
  host.tick();

  const reports = host.pendingCalls.map((c) => JSON.parse(c.body.toString()) as { records?: unknown[] } | unknown[]);
  const records = reports.flatMap((r) => (Array.isArray(r) ? r : (r.records ?? []))) as Array<{
    id: string;
    request: { path: string };
    response: { status: number };
  }>;
  const seen = Object.fromEntries(records.map((r) => [r.id, [r.request.path, r.response.status]]));
  assert.deepEqual(seen, { first: ["/s/first", 201], second: ["/s/second", 404] });
});
