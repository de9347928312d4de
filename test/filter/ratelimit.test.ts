// The rate limit's shared counter, driven through the in-process host (host/proxy-wasm/host.ts) on the
// compiled build/gatewarden.wasm: one slot per limit and client hash, keyed "gatewarden/rl/<id>/<slot>"
// with slot = FNV-1a of the client key modulo 65,536, counted across requests until the limit replies
// 429. The same limit through real Envoy is in test/e2e/enforcement.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FilterHeadersStatus, ProxyWasmHost, serializeHeaders } from "../../host/proxy-wasm/host.ts";
import { WASM_PATH } from "../../host/devstack/paths.ts";

const encoder = new TextEncoder();

/** FNV-1a over UTF-16 code units, as enforce/ratelimit.ts hashes a client key. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

test("each request counts in its client's slot; the request over the limit gets 429", () => {
  const host = new ProxyWasmHost({
    wasm: WASM_PATH,
    configuration: JSON.stringify({
      enforcement: { refreshInterval: 0 },
      policy: { detection: false, rateLimits: [{ id: "per-client", key: "clientIp", requests: 2, window: "1m" }] },
    }),
    properties: new Map([["source\0address", encoder.encode("10.1.2.3:5000")]]),
  });
  assert.ok(host.start(), host.logs.map((l) => l.message).join("\n"));
  const statuses: number[] = [];
  for (let id = 2; id <= 4; id++) {
    host.open(id, {
      requestHeaders: serializeHeaders([
        [":method", "GET"],
        [":path", "/orders"],
        [":authority", "api"],
        [":scheme", "http"],
      ]),
      responseHeaders: serializeHeaders([[":status", "200"]]),
    });
    statuses.push(host.requestHeaders(id, true));
  }
  assert.deepEqual(statuses, [FilterHeadersStatus.Continue, FilterHeadersStatus.Continue, FilterHeadersStatus.StopIteration]);
  assert.equal(host.localReplies.length, 1);
  assert.equal(host.localReplies[0].status, 429);
  assert.deepEqual([...host.sharedData.keys()], [`gatewarden/rl/per-client/${fnv1a("10.1.2.3") % 65536}`]);
  const value = host.sharedData.get(`gatewarden/rl/per-client/${fnv1a("10.1.2.3") % 65536}`)!.value;
  assert.equal(new DataView(value.buffer, value.byteOffset).getUint32(8, true), 3, "three requests counted");
});
