// The host calls one exchange costs (a 1 KiB JSON POST and its JSON answer, captured), counted in the
// in-process host on build/gatewarden.wasm: each header map read once per direction, each body chunk
// once, the two properties a record needs (the peer, the protocol), the clock at the start and the end;
// the captured counter goes to the host once per report, not once per exchange, and a report's answer
// needs no switch of the effective context. `npm run bench:filter-sim` prints the same table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, serializeHeaders } from "../../host/proxy-wasm/host.ts";
import { WASM_PATH } from "../../host/devstack/paths.ts";

test("an exchange costs eight host calls, and each report two more", () => {
  const encoder = new TextEncoder();
  const body = encoder.encode(JSON.stringify({ order: 7, items: ["a", "b"], note: "x".repeat(980) }));
  const answer = encoder.encode('{"ok":true}');
  const host = new ProxyWasmHost({
    wasm: WASM_PATH,
    configuration: JSON.stringify({ policy: { detection: false }, enforcement: { refreshInterval: 0 } }),
    properties: new Map([
      ["source\0address", encoder.encode("10.0.0.1:50000")],
      ["request\0protocol", encoder.encode("HTTP/1.1")],
    ]),
    countCalls: true,
  });
  assert.ok(host.start());
  const data = {
    requestHeaders: serializeHeaders([
      [":method", "POST"],
      [":path", "/orders"],
      [":authority", "api"],
      [":scheme", "http"],
      ["content-type", "application/json"],
      ["content-length", String(body.length)],
      ["x-request-id", "r-1"],
    ]),
    responseHeaders: serializeHeaders([
      [":status", "200"],
      ["content-type", "application/json"],
    ]),
  };
  host.callsPerImport.clear();
  // Ten batches of 64 records (report.maxBatchRecords), each sent as it fills and answered at once.
  const exchanges = 640;
  for (let id = 10; id < 10 + exchanges; id++) {
    host.exchange(id, data, body, answer);
    while (host.pendingCalls.length > 0) host.answer(host.pendingCalls[0], 200);
  }
  const reports = exchanges / 64;
  assert.deepEqual(Object.fromEntries([...host.callsPerImport].sort()), {
    proxy_get_buffer_bytes: 2 * exchanges,
    // Both maps of each exchange, and the answer's headers of each report.
    proxy_get_header_map_pairs: 2 * exchanges + reports,
    proxy_get_current_time_nanoseconds: 2 * exchanges,
    proxy_get_property: 2 * exchanges,
    proxy_http_call: reports,
    // gatewarden_captured_total before each report goes out, gatewarden_reported_total when it is answered.
    proxy_increment_metric: 2 * reports,
  });
});
